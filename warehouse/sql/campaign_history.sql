-- Every version a unit submitted for a year, newest first, with the parse and rule verdicts on
-- each document (counted by staging.document_check); `current` marks the version that status,
-- alerts and publication use.
with subs as (
    select unit_code, year, version, sha256, fetched_at, source_url
    from raw.submission
    where unit_code = $unit_code and year = $year
),

final as (
    select
        s.version,
        s.version = max(s.version) over () as current,
        s.fetched_at,
        s.sha256,
        coalesce(rep.status, 'not_parsed') as parse_status,
        rep.error as parse_error,
        coalesce(k.rules_run, 0) as rules_run,
        coalesce(k.errors, 0) as errors,
        coalesce(k.warnings, 0) as warnings,
        coalesce(k.waived, 0) as waived,
        k.open_rules as failed_rules,
        s.source_url
    from subs as s
    left join staging.report as rep on s.sha256 = rep.sha256
    left join staging.document_check as k
        on s.unit_code = k.unit_code and s.year = k.year and s.sha256 = k.sha256
)

select * from final order by version desc
