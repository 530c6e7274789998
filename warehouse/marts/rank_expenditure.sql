-- Published units ranked by 支出总计, with each unit's share of the district's published total.
with published as (
    select * from marts.base_unit_year where published and expenditure_total is not null
),

totals as (
    select year, sum(expenditure_total) as district_total from published group by year
),

final as (
    select
        p.year,
        rank() over (partition by p.year order by p.expenditure_total desc) as rank,
        p.unit_code,
        p.unit_name,
        p.unit_type,
        p.expenditure_total,
        p.basic_expenditure,
        p.project_expenditure,
        pct_exact(p.expenditure_total, t.district_total)::decimal(9, 2) as share_pct
    from published as p
    inner join totals as t using (year)
)

select * from final
