-- DQ-19 share of 项-level amounts booked to "其他…支出" items stays under 30% (T03/T05, total column)
with cells as (
    select unit_code, year, sha256, table_id, row_label, value,
           regexp_extract(row_label, '^\s*(\d+)', 1) as code
    from staging.rule_cell
    where table_id in ('T03', 'T05') and regexp_matches(col_label, '合计|小计')
),
shares as (
    select unit_code, year, sha256, table_id,
           sum(value) filter (where regexp_matches(row_label, '其他')) as other,
           sum(value) as total
    from cells where length(code) = 7 group by all
),
final as (
    select unit_code, year, sha256, (other / total * 100)::decimal(18, 6) as observed,
           30::decimal(18, 6) as expected, (other / total * 100 - 30)::decimal(18, 6) as difference,
           0::decimal(18, 6) as tolerance, table_id || '表“其他”类项级科目占比超过30%,请核实' as detail,
           '' as figure_keys
    from shares where total > 0 and other / total * 100 > 30
)
select * from final
