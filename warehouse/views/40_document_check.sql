-- The rule verdicts on each submitted document, counted in one place for every reader: the marts
-- (through marts.base_unit_year) and the campaign's status and history. A bureau waiver accepts a
-- failed warning at once, before the rules run again; errors cannot be waived.
create or replace view staging.document_check as
with verdicts as (
    select
        r.unit_code,
        r.year,
        r.sha256,
        r.rule_id,
        r.severity,
        r.message,
        case
            when r.status = 'fail' and r.severity = 'warning' and w.rule_id is not null then 'waived'
            else r.status
        end as status
    from dq.result as r
    left join dq.waiver as w on r.unit_code = w.unit_code and r.year = w.year and r.rule_id = w.rule_id
),

final as (
    select
        unit_code,
        year,
        sha256,
        count(*) as rules_run,
        count(*) filter (where severity = 'error' and status = 'fail') as errors,
        count(*) filter (where severity = 'warning' and status = 'fail') as warnings,
        count(*) filter (where status = 'waived') as waived,
        -- every open failure, errors first: what the unit is chased about
        string_agg(rule_id, ', ' order by severity, rule_id) filter (where status = 'fail') as open_rules,
        -- the failed error rules alone, and their messages: why a document is held back
        string_agg(rule_id, ', ' order by rule_id)
            filter (where severity = 'error' and status = 'fail') as error_rules,
        string_agg(rule_id || ' ' || coalesce(message, ''), '; ' order by rule_id)
            filter (where severity = 'error' and status = 'fail') as error_messages
    from verdicts
    group by unit_code, year, sha256
)

select * from final;
