-- The check-inputs hash recorded by the newest completed collection of $year (none: check again).
select json_extract_string(summary, '$.checks.inputs') as inputs
from meta.run
where kind = 'collect' and year = $year and status = 'completed'
order by finished_at desc
limit 1;
