-- DQ-13 T01 roll-forward: 年末结转和结余 = 年初 + 本年收入合计 + 使用非财政拨款结余 − 本年支出合计 − 结余分配
with calc as (
    select *,
           carry_over_begin + income_this_year + use_of_non_fiscal_balance - expenditure_this_year - distribution
               as expected
    from staging.rule_t01
),
final as (
    select unit_code, year, sha256, carry_over_end as observed, expected, carry_over_end - expected as difference,
           tol_sum(5) as tolerance, '年末结转和结余不满足滚动平衡' as detail,
           'carry_over_end,carry_over_begin,income_this_year,use_of_non_fiscal_balance,expenditure_this_year'
               as figure_keys
    from calc where carry_over_end is not null and expected is not null and carry_over_end <> expected
)
select * from final
