-- Published units ranked by "三公"经费合计, with its four items and the unit's share of the district.
with published as (
    select * from marts.base_unit_year where published and three_public_total is not null
),

totals as (
    select year, sum(three_public_total) as district_total from published group by year
),

final as (
    select
        p.year,
        rank() over (partition by p.year order by p.three_public_total desc) as rank,
        p.unit_code,
        p.unit_name,
        p.unit_type,
        p.three_public_total,
        p.outbound_travel,
        p.vehicle_purchase,
        p.vehicle_operation,
        p.official_reception,
        pct_exact(p.three_public_total, t.district_total)::decimal(9, 2) as share_pct
    from published as p
    inner join totals as t using (year)
)

select * from final
