-- DQ-18 functional classification nests: 类 = Σ 款, 款 = Σ 项 (T02/T03/T05/T07/T08)
with final as (
    select unit_code, year, sha256, observed, expected, difference, tolerance,
           table_id || '表科目' || code || '(' || col_label || ')不等于其下级科目之和' as detail, '' as figure_keys
    from staging.rule_code_nest
    where table_id in ('T02', 'T03', 'T05', 'T07', 'T08') and difference <> 0
)
select * from final
