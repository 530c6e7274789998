-- DQ-26 economic classification nests in T06: 类 (301) = Σ 款 (301xx)
with final as (
    select unit_code, year, sha256, observed, expected, difference, tolerance,
           table_id || '表科目' || code || '(' || col_label || ')不等于其下级科目之和' as detail, '' as figure_keys
    from staging.rule_code_nest
    where table_id = 'T06' and length(code) = 3 and difference <> 0
)
select * from final
