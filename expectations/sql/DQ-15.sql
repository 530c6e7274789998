-- DQ-15 T02 合计 row 本年收入合计 ties to T01 本年收入合计
with total_row as (
    select unit_code, year, sha256, min(value) as total, min(precision) as prec
    from staging.rule_cell
    where table_id = 'T02' and regexp_matches(row_label, '^\s*(合计|总计)') and regexp_matches(col_label, '合计')
    group by all
),
t01 as (
    select unit_code, year, sha256, min(value) as total, min(precision) as prec
    from staging.rule_cell where table_id = 'T01' and key = 'income_this_year'
    group by all
),
final as (
    select t.unit_code, t.year, t.sha256, t.total as observed, o.total as expected, t.total - o.total as difference,
           tol_eq(t.prec, o.prec) as tolerance, 'T02表合计行与收入支出决算总表不一致' as detail,
           'income_this_year' as figure_keys
    from total_row t join t01 o using (unit_code, year, sha256)
    where t.total <> o.total
)
select * from final
