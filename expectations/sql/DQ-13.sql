-- DQ-13 T01 roll-forward: 年末结转和结余 = 年初 + 本年收入合计 + 使用非财政拨款结余 − 本年支出合计 − 结余分配
with t01 as (
    select * from staging.rule_cell where table_id = 'T01'
),
lines as (
    select unit_code, year, sha256,
           min(value) filter (where key = 'carry_over_end') as carry_end,
           min(value) filter (where key = 'carry_over_begin') as carry_begin,
           min(value) filter (where key = 'income_this_year') as income,
           min(value) filter (where key = 'use_of_non_fiscal_balance') as non_fiscal,
           min(value) filter (where key = 'expenditure_this_year') as spent,
           min(value) filter (where row_label like '%结余分配%') as distribution
    from t01 group by all
),
calc as (
    select *, carry_begin + income + non_fiscal - spent - distribution as expected from lines
),
final as (
    select unit_code, year, sha256, carry_end as observed, expected, carry_end - expected as difference,
           tol_sum(5) as tolerance, '年末结转和结余不满足滚动平衡' as detail,
           'carry_over_end,carry_over_begin,income_this_year,use_of_non_fiscal_balance,expenditure_this_year'
               as figure_keys
    from calc where carry_end is not null and expected is not null and carry_end <> expected
)
select * from final
