-- Every fetch attempt is kept, including failures: they are how "missing" and "unreachable" are told apart.
insert into raw.fetch_attempt (run_id, unit_code, year, url, started_at, elapsed_ms, outcome, http_status,
                               error, etag, last_modified, sha256, bytes, tries)
select run_id, unit_code, year, url, started_at, elapsed_ms, outcome, http_status,
       error, etag, last_modified, sha256, bytes, tries
from attempts;
