-- DQ-11 T01 支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余
with t01 as (
    select * from staging.rule_cell where table_id = 'T01'
),
lines as (
    select unit_code, year, sha256,
           min(value) filter (where key = 'expenditure_total') as total,
           min(value) filter (where key = 'expenditure_this_year') as this_year,
           min(value) filter (where row_label like '%结余分配%') as distribution,
           min(value) filter (where key = 'carry_over_end') as carry_end
    from t01 group by all
),
final as (
    select unit_code, year, sha256, total as observed, this_year + distribution + carry_end as expected,
           total - (this_year + distribution + carry_end) as difference, tol_sum(3) as tolerance,
           '支出总计不等于本年支出合计+结余分配+年末结转和结余' as detail,
           'expenditure_total,expenditure_this_year,carry_over_end' as figure_keys
    from lines
    where total is not null and this_year is not null and distribution is not null and carry_end is not null
      and total <> this_year + distribution + carry_end
)
select * from final
