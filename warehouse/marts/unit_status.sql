-- Per registered unit × year: submitted / missing / parse_failed / not_parsed, the rule verdicts on
-- its current document, and whether it is held back from publication (and why).
with base as (
    select * from marts.base_unit_year
),

final as (
    select
        year,
        unit_code,
        unit_name,
        parent_code,
        unit_type,
        status,
        submission_version,
        sha256,
        fetched_at,
        rules_run,
        errors,
        warnings,
        waived,
        not published as excluded,
        reason_code,
        reason,
        failed_rules
    from base
)

select * from final
