-- Units ranked by how much their 支出总计 moved against the year before (largest movement first,
-- either direction).
with expenditure as (
    select * from marts.base_unit_yoy where metric = 'expenditure_total'
),

final as (
    select
        year,
        rank() over (partition by year order by abs(change) desc) as rank,
        unit_code,
        unit_name,
        unit_type,
        prev_amount as prev_expenditure_total,
        amount as expenditure_total,
        change,
        change_pct
    from expenditure
)

select * from final
