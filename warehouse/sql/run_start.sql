-- Record a new run as 'running'. Any earlier run of the same kind and year still 'running' is dead
-- (a killed process: a run starts only once it holds the writer lock, so none can still be live)
-- and becomes 'interrupted', with finished_at left unknown. One statement (an upsert), because
-- DuckDB binds parameters only in the last statement of a multi-statement string. (Run ids are
-- unique, see tasks.steps.new_run_id: starting the same id again leaves its row as it is.)
insert into meta.run (run_id, kind, year, started_at, finished_at, status, parser_version, rules_version,
                      duckdb_version, summary)
select run_id, kind, year, started_at, null, 'interrupted', parser_version, rules_version, duckdb_version,
       json_object('interrupted', 'still running when run ' || $run_id || ' started')
from meta.run
where kind = $kind and year is not distinct from $year and status = 'running' and run_id <> $run_id
union all
select $run_id, $kind, $year, current_timestamp, null, 'running', $parser_version, $rules_version, version(), null
on conflict (run_id) do update set status = excluded.status, summary = excluded.summary
where excluded.status = 'interrupted';
