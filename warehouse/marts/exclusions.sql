-- The registered units left out of a year's published figures, with the reason: published beside
-- the figures so nobody reads a missing unit as a zero.
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
        reason_code,
        reason,
        failed_rules,
        errors,
        warnings,
        sha256
    from base
    where not published
)

select * from final
