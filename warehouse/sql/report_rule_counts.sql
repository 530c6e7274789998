-- Per rule, how the current documents of $year fared (the bureau report's table by rule).
select
    r.rule_id,
    any_value(r.severity) as severity,
    count(*) filter (where r.status = 'fail') as failed,
    count(*) filter (where r.status = 'waived') as waived,
    count(*) filter (where r.status = 'pass') as passed,
    count(*) filter (where r.status = 'not_applicable') as not_applicable
from dq.result as r
inner join staging.current_submission as s on r.unit_code = s.unit_code and r.year = s.year and r.sha256 = s.sha256
where r.year = $year
group by r.rule_id
