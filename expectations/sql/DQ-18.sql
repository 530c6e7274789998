-- DQ-18 functional classification nests: 类 = Σ 款, 款 = Σ 项 (T02/T03/T05/T07/T08)
with cells as (
    select unit_code, year, sha256, table_id, col_label, value, precision,
           regexp_extract(row_label, '^\s*(\d+)', 1) as code
    from staging.rule_cell where table_id in ('T02', 'T03', 'T05', 'T07', 'T08') and not regexp_matches(col_label, '编码|名称|科目')
),
coded as (
    select * from cells where length(code) in (3, 5, 7)
),
parents as (
    select p.unit_code, p.year, p.sha256, p.table_id, p.col_label, p.code, p.value,
           sum(c.value) as children, count(*) as n, sum(c.precision) + min(p.precision) as psum
    from coded p
    join coded c on c.sha256 = p.sha256 and c.table_id = p.table_id and c.col_label = p.col_label
        and starts_with(c.code, p.code)
        -- the next level down only: 3 → 5 digits, 5 → 7 digits
        and length(c.code) = length(p.code) + 2
    group by all
),
final as (
    select unit_code, year, sha256, value as observed, children as expected, value - children as difference,
           tol_sum_p(n, psum) as tolerance,
           table_id || '表科目' || code || '(' || col_label || ')不等于其下级科目之和' as detail, '' as figure_keys
    from parents where value <> children
)
select * from final
