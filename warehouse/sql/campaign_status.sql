-- Where each registered unit's disclosure stands for one campaign year ($year, $deadline, $today,
-- $published: 'unit_code|sha256' of documents a publication of the year included). Only the newest
-- version counts: a corrected resubmission clears the verdicts on the one it replaces.
with versions as (
    select unit_code, count(*) as versions, min(fetched_at) as first_submitted_at,
           max(fetched_at) as last_submitted_at
    from raw.submission
    where year = $year
    group by unit_code
),

current_doc as (
    select unit_code, version, sha256, parse_status, parse_error
    from staging.current_submission
    where year = $year
),

-- a bureau waiver accepts a warning even before the rules run again; errors cannot be waived
verdicts as (
    select
        r.unit_code,
        r.rule_id,
        r.severity,
        case
            when r.status = 'fail' and r.severity = 'warning' and w.rule_id is not null then 'waived'
            else r.status
        end as status
    from dq.result as r
    inner join current_doc as c on r.unit_code = c.unit_code and r.sha256 = c.sha256
    left join dq.waiver as w on r.unit_code = w.unit_code and r.year = w.year and r.rule_id = w.rule_id
    where r.year = $year
),

checks as (
    select
        unit_code,
        count(*) as rules_run,
        count(*) filter (where severity = 'error' and status = 'fail') as errors,
        count(*) filter (where severity = 'warning' and status = 'fail') as warnings,
        count(*) filter (where status = 'waived') as waived,
        string_agg(rule_id, ', ' order by severity, rule_id) filter (where status = 'fail') as failed_rules
    from verdicts
    group by unit_code
),

joined as (
    select
        u.unit_code,
        u.unit_name,
        u.parent_code,
        u.contact_email,
        c.sha256,
        c.version as current_version,
        c.parse_status,
        c.parse_error,
        coalesce(v.versions, 0) as versions,
        v.first_submitted_at,
        v.last_submitted_at,
        coalesce(k.rules_run, 0) as rules_run,
        coalesce(k.errors, 0) as errors,
        coalesce(k.warnings, 0) as warnings,
        coalesce(k.waived, 0) as waived,
        k.failed_rules,
        coalesce(list_contains($published::varchar[], u.unit_code || '|' || c.sha256), false) as published
    from core.unit as u
    left join current_doc as c on u.unit_code = c.unit_code
    left join versions as v on u.unit_code = v.unit_code
    left join checks as k on u.unit_code = k.unit_code
),

final as (
    select
        $year::integer as year,
        unit_code,
        unit_name,
        case
            when sha256 is null then 'not_submitted'
            when parse_status = 'failed' then 'parse_failed'
            when rules_run = 0 then 'submitted'
            when errors > 0 then 'errors'
            when published then 'published'
            when warnings > 0 then 'warnings'
            when waived > 0 then 'waived'
            else 'clean'
        end as status,
        -- nothing submitted once the deadline has passed is late as well
        case
            when first_submitted_at is not null then first_submitted_at::date > $deadline::date
            else $today::date > $deadline::date
        end as late,
        $deadline::date - $today::date as days_remaining,
        versions,
        current_version,
        first_submitted_at,
        last_submitted_at,
        rules_run,
        errors,
        warnings,
        waived,
        failed_rules,
        published,
        parse_error,
        sha256,
        parent_code,
        contact_email
    from joined
)

select * from final order by unit_code
