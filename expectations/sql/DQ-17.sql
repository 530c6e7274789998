-- DQ-17 T03 合计 row 本年支出合计 ties to T01 本年支出合计
with final as (
    select t.unit_code, t.year, t.sha256, t.total as observed, o.expenditure_this_year as expected,
           t.total - o.expenditure_this_year as difference,
           tol_eq(t.prec, o.expenditure_this_year__prec) as tolerance,
           'T03表合计行与收入支出决算总表不一致' as detail, 'expenditure_this_year' as figure_keys
    from staging.rule_total_row as t
    join staging.rule_t01 as o using (unit_code, year, sha256)
    where t.table_id = 'T03' and t.total <> o.expenditure_this_year
)
select * from final
