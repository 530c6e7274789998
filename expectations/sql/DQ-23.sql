-- DQ-23 T05 each row: 小计/合计 = 基本支出 + 项目支出
with final as (
    select unit_code, year, sha256, observed, expected, difference, tolerance,
           'T05表“' || row_label || '”行合计不等于各列之和' as detail, '' as figure_keys
    from staging.rule_row_sum
    where table_id = 'T05' and difference <> 0
)
select * from final
