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
        -- percentages in exact DECIMAL: integer division truncates the ratio to 0.001 %, then round()
        -- goes half away from zero (through a double, 4.225 % would come out as 4.22 %)
        round(((p.expenditure_total * 10000000)::hugeint // nullif((t.district_total * 100)::hugeint, 0)) * 0.001, 2)::decimal(9, 2) as share_pct
    from published as p
    inner join totals as t using (year)
)

select * from final
