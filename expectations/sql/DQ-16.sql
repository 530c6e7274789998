-- DQ-16 支出合计 = 基本支出 + 项目支出 (narrative), and each T03 row: 本年支出合计 = sum of its columns
with v as (
    select *, coalesce(expenditure_this_year, expenditure_total - carry_over_end) as spent,
           case when expenditure_this_year is not null then '本年支出合计'
                else '支出总计−年末结转和结余' end as spent_label
    from staging.unit_value
),
narrative as (
    select unit_code, year, sha256, spent as observed, basic_expenditure + project_expenditure as expected,
           spent - (basic_expenditure + project_expenditure) as difference,
           tol_sum_p(2, basic_expenditure__prec + project_expenditure__prec
                        + coalesce(expenditure_this_year__prec, expenditure_total__prec + carry_over_end__prec))
               as tolerance,
           spent_label || '不等于基本支出与项目支出之和' as detail,
           case when expenditure_this_year is not null then 'expenditure_this_year'
                else 'expenditure_total,carry_over_end' end || ',basic_expenditure,project_expenditure'
               as figure_keys
    from v
    where spent is not null and basic_expenditure is not null and project_expenditure is not null
),
tabular as (
    select unit_code, year, sha256, observed, expected, difference, tolerance,
           'T03表“' || row_label || '”行本年支出合计不等于各列之和' as detail, '' as figure_keys
    from staging.rule_row_sum
    where table_id = 'T03'
),
final as (
    select * from narrative where difference <> 0
    union all
    select * from tabular where difference <> 0
)
select * from final
