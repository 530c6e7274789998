-- Where each registered unit's disclosure stands for one campaign year ($year, $deadline, $today,
-- $published: 'unit_code|sha256' of documents a publication of the year included). The current
-- document and its verdicts come from marts.base_unit_year; only the campaign's own columns
-- (versions, lateness, what a publication included) are added here.
with units as (
    select unit_code, unit_name, parent_code, contact_email
    from core.unit
),

current_doc as (
    select unit_code, status, submission_version, sha256, parse_error, rules_run, errors, warnings, waived,
           open_rules
    from marts.base_unit_year
    where year = $year
),

versions as (
    select unit_code, count(*) as versions, min(fetched_at) as first_submitted_at,
           max(fetched_at) as last_submitted_at
    from raw.submission
    where year = $year
    group by unit_code
),

joined as (
    select
        u.*,
        c.status as document_status,
        c.sha256,
        c.submission_version as current_version,
        c.parse_error,
        coalesce(v.versions, 0) as versions,
        v.first_submitted_at,
        v.last_submitted_at,
        -- a year with no campaign activity at all has no base_unit_year rows
        coalesce(c.rules_run, 0) as rules_run,
        coalesce(c.errors, 0) as errors,
        coalesce(c.warnings, 0) as warnings,
        coalesce(c.waived, 0) as waived,
        c.open_rules as failed_rules,
        coalesce(list_contains($published::varchar[], u.unit_code || '|' || c.sha256), false) as published
    from units as u
    left join current_doc as c on u.unit_code = c.unit_code
    left join versions as v on u.unit_code = v.unit_code
),

final as (
    select
        $year::integer as year,
        unit_code,
        unit_name,
        case
            when sha256 is null then 'not_submitted'
            when document_status = 'parse_failed' then 'parse_failed'
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
