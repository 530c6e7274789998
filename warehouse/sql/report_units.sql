-- One row per unit of a run of consecutive units ($codes, $shas, $names: their current document of
-- $year and the unit name it states, paired by position; codes between $lo and $hi) that has
-- verdicts, by unit code: the counts its feedback page shows and all its verdicts folded into one
-- string, so a province streams as one row a unit instead of ~50, and units with the same verdicts
-- share one rendering. verdicts: rule_id, severity, status joined by chr(31), one rule after
-- another joined by chr(30), in rule order; '' unless $verdicts (half the cost of the query, and
-- the check report needs them only for the units of its matrix).
-- A run at a time keeps the aggregate's memory flat (ordered string_agg buffers its input: 1 GB for
-- a province in one query), and dq.result is written in unit-code ranges, so the range lets the
-- scan skip the row groups of other units.
with chosen as (
    select unnest($codes) as unit_code, unnest($shas) as sha256, unnest($names) as stated_unit_name
),

verdict as (
    select r.unit_code, r.sha256, c.stated_unit_name, r.rule_id, r.severity, r.status
    from dq.result as r
    inner join chosen as c on r.unit_code = c.unit_code and r.sha256 = c.sha256
    where r.year = $year and r.unit_code between $lo and $hi
),

per_unit as (
    select
        unit_code,
        sha256,
        stated_unit_name,
        count(*) filter (where status = 'fail' and severity = 'error') as errors,
        count(*) filter (where status = 'fail' and severity = 'warning') as warnings,
        count(*) filter (where status = 'waived') as waived,
        count(*) filter (where status = 'pass') as passed,
        count(*) filter (where status = 'not_applicable') as not_applicable,
        string_agg(rule_id, ' ' order by rule_id) filter (where status = 'fail') as failed_rules,
        string_agg(rule_id, ' ' order by rule_id) filter (where status = 'waived') as waived_rules,
        coalesce(string_agg(rule_id || chr(31) || severity || chr(31) || status, chr(30) order by rule_id)
            filter (where $verdicts), '') as verdicts
    from verdict
    group by unit_code, sha256, stated_unit_name
),

final as (
    select
        p.unit_code,
        coalesce(u.unit_name, p.stated_unit_name, p.unit_code) as unit_name,
        p.sha256, p.errors, p.warnings, p.waived, p.passed, p.not_applicable, p.failed_rules, p.waived_rules,
        p.verdicts
    from per_unit as p
    left join core.unit as u on p.unit_code = u.unit_code and u.unit_code between $lo and $hi
)

select * from final
order by unit_code
