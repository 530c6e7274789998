-- DQ-23 T05 each row: 小计/合计 = 基本支出 + 项目支出
with cells as (
    select * from staging.rule_cell where table_id = 'T05' and col_label not similar to '.*(编码|名称|科目|预算).*'
),
rows_ as (
    select unit_code, year, sha256, row_label,
           min(value) filter (where col_label similar to '.*(小计|合计).*') as total,
           sum(value) filter (where col_label not similar to '.*(小计|合计).*') as parts,
           count(*) filter (where col_label not similar to '.*(小计|合计).*') as n,
           sum(precision) as psum
    from cells group by all
),
final as (
    select unit_code, year, sha256, total as observed, parts as expected, total - parts as difference,
           tol_sum_p(n, psum) as tolerance, 'T05表“' || row_label || '”行合计不等于各列之和' as detail,
           '' as figure_keys
    from rows_ where total is not null and n > 0 and total <> parts
)
select * from final
