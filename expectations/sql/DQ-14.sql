-- DQ-14 T02 income table: each row's 本年收入合计 = sum of the income columns
with final as (
    select unit_code, year, sha256, observed, expected, difference, tolerance,
           'T02表“' || row_label || '”行合计不等于各列之和' as detail, '' as figure_keys
    from staging.rule_row_sum
    where table_id = 'T02' and difference <> 0
)
select * from final
