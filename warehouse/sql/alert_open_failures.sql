-- The open failures of each unit's newest document for $year: errors, warnings nobody waived, and
-- documents that could not be parsed (rule_id 'PARSE'). dedupe_key names unit, year, rule and
-- document, so the same failure is notified once and a new document with it is notified again.
with current_doc as (
    select unit_code, year, version, sha256, parse_status, parse_error
    from staging.current_submission
    where year = $year
),

rule_failures as (
    select
        r.unit_code, r.year, c.version, r.sha256, r.rule_id, r.severity, r.message,
        r.observed, r.expected, r.difference, r.tolerance, r.evidence::varchar as evidence, r.explanation
    from dq.result as r
    inner join current_doc as c on r.unit_code = c.unit_code and r.sha256 = c.sha256
    left join dq.waiver as w on r.unit_code = w.unit_code and r.year = w.year and r.rule_id = w.rule_id
    where r.year = $year and r.status = 'fail' and (r.severity = 'error' or w.rule_id is null)
),

parse_failures as (
    select
        unit_code, year, version, sha256, 'PARSE' as rule_id, 'error' as severity, parse_error as message,
        null::decimal(18, 6) as observed, null::decimal(18, 6) as expected, null::decimal(18, 6) as difference,
        null::decimal(18, 6) as tolerance, null::varchar as evidence, null::varchar as explanation
    from current_doc
    where parse_status = 'failed'
),

final as (
    select
        f.*,
        u.unit_name,
        u.contact_email,
        'fail|' || f.unit_code || '|' || f.year || '|' || f.rule_id || '|' || f.sha256 as dedupe_key
    from (select * from rule_failures union all select * from parse_failures) as f
    inner join core.unit as u on f.unit_code = u.unit_code
)

select * from final order by unit_code, severity, rule_id
