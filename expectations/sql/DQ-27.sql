-- DQ-27 T05 一般公共预算 基本/项目支出 ≤ T03 all-source 基本/项目支出 (合计 row)
with totals as (
    select unit_code, year, sha256, table_id,
           case when regexp_matches(col_label, '基本') then '基本支出' else '项目支出' end as part,
           min(value) as value
    from staging.rule_cell
    where table_id in ('T03', 'T05') and regexp_matches(row_label, '^\s*(合计|总计)')
      and regexp_matches(col_label, '基本支出|项目支出')
    group by all
),
final as (
    select g.unit_code, g.year, g.sha256, g.value as observed, a.value as expected, g.value - a.value as difference,
           tol_equal() as tolerance, '一般公共预算财政拨款' || g.part || '超过全口径' || g.part as detail,
           '' as figure_keys
    from totals g join totals a on a.sha256 = g.sha256 and a.part = g.part and a.table_id = 'T03'
    where g.table_id = 'T05' and g.value > a.value
)
select * from final
