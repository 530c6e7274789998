-- The failed and explained verdicts of some units' current documents ($codes and $shas, paired by
-- position, all between $lo and $hi) in $year, in the order their feedback lists them: errors,
-- warnings, explained, by rule. The range lets the scan skip the row groups of other units
-- (report_units.sql).
with chosen as (
    select unnest($codes) as unit_code, unnest($shas) as sha256
)

select
    r.unit_code, r.rule_id, r.severity, r.status, r.observed, r.expected, r.difference, r.tolerance, r.message,
    r.evidence::varchar as evidence, r.explanation
from dq.result as r
inner join chosen as c on r.unit_code = c.unit_code and r.sha256 = c.sha256
where r.year = $year and r.unit_code between $lo and $hi and r.status in ('fail', 'waived')
order by
    r.unit_code,
    case when r.status = 'fail' and r.severity = 'error' then 0 when r.status = 'fail' and r.severity = 'warning' then 1 else 2 end,
    r.rule_id
