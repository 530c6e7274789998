-- DQ-11 T01 支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余
with lines as (
    select *, expenditure_this_year + distribution + carry_over_end as expected
    from staging.rule_t01
),
final as (
    select unit_code, year, sha256, expenditure_total as observed, expected,
           expenditure_total - expected as difference, tol_sum(3) as tolerance,
           '支出总计不等于本年支出合计+结余分配+年末结转和结余' as detail,
           'expenditure_total,expenditure_this_year,carry_over_end' as figure_keys
    from lines
    where expenditure_total is not null and expected is not null and expenditure_total <> expected
)
select * from final
