insert into meta.run (run_id, kind, year, started_at, status, parser_version, rules_version, duckdb_version)
values ($run_id, $kind, $year, current_timestamp, 'running', $parser_version, $rules_version, version());
