-- Year-over-year change of the main figures: per unit, and for the district over the comparable
-- units only (published in both years), so a unit joining or dropping out is not read as growth.
with unit_rows as (
    select * from marts.base_unit_yoy
),

district_rows as (
    select
        year,
        metric_order,
        metric,
        metric_name,
        sum(prev_amount)::decimal(18, 2) as prev_amount,
        sum(amount)::decimal(18, 2) as amount,
        count(*) as units_compared
    from unit_rows
    group by year, metric_order, metric, metric_name
),

final as (
    select
        year,
        'district' as scope,
        null::varchar as unit_code,
        '全区（可比单位）' as unit_name,
        null::varchar as unit_type,
        metric_order,
        metric,
        metric_name,
        units_compared,
        prev_amount,
        amount,
        (amount - prev_amount)::decimal(18, 2) as change,
        pct_exact(amount - prev_amount, prev_amount)::decimal(12, 2) as change_pct
    from district_rows
    union all
    select
        year,
        'unit' as scope,
        unit_code,
        unit_name,
        unit_type,
        metric_order,
        metric,
        metric_name,
        1 as units_compared,
        prev_amount,
        amount,
        change,
        change_pct
    from unit_rows
)

select * from final
