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
cells as (
    select * from staging.rule_cell
    where table_id = 'T03' and not regexp_matches(col_label, '编码|名称|科目|预算')
),
table_rows as (
    select unit_code, year, sha256, row_label,
           min(value) filter (where regexp_matches(col_label, '合计')) as total,
           sum(value) filter (where not regexp_matches(col_label, '合计')) as parts,
           count(*) filter (where not regexp_matches(col_label, '合计')) as n,
           sum(precision) as psum
    from cells group by all
),
tabular as (
    select unit_code, year, sha256, total as observed, parts as expected, total - parts as difference,
           tol_sum_p(n, psum) as tolerance, 'T03表“' || row_label || '”行本年支出合计不等于各列之和' as detail,
           '' as figure_keys
    from table_rows where total is not null and n > 0
),
final as (
    select * from narrative where difference <> 0
    union all
    select * from tabular where difference <> 0
)
select * from final
