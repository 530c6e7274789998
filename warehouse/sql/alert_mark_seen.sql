-- Remember the first sighting of each open error of $year; the rows returned are the new ones,
-- which is what the bureau summary calls "new errors since the last run".
insert into dq.failure_seen (unit_code, year, sha256, rule_id, first_run_id, first_seen_at)
select r.unit_code, r.year, r.sha256, r.rule_id, $run_id, current_timestamp
from dq.result as r
inner join staging.current_submission as c on r.unit_code = c.unit_code and r.year = c.year and r.sha256 = c.sha256
where r.year = $year and r.severity = 'error' and r.status = 'fail'
  and not exists (
      select 1 from dq.failure_seen as s
      where s.unit_code = r.unit_code and s.year = r.year and s.sha256 = r.sha256 and s.rule_id = r.rule_id
  )
returning unit_code, rule_id, sha256
