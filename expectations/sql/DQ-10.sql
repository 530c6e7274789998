-- DQ-10 收入总计 = 支出总计, and 收入总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余 (when all are stated)
with v as (
    select * from staging.unit_value
),
totals as (
    select unit_code, year, sha256,
           income_total as observed, expenditure_total as expected,
           income_total - expenditure_total as difference,
           tol_eq(income_total__prec, expenditure_total__prec) as tolerance,
           '收入总计与支出总计不等' as detail,
           'income_total,expenditure_total' as figure_keys
    from v
    where income_total is not null and expenditure_total is not null
),
composition as (
    select unit_code, year, sha256,
           income_total as observed,
           income_this_year + use_of_non_fiscal_balance + carry_over_begin as expected,
           income_total - (income_this_year + use_of_non_fiscal_balance + carry_over_begin) as difference,
           tol_sum_p(3, income_this_year__prec + use_of_non_fiscal_balance__prec + carry_over_begin__prec
                        + income_total__prec) as tolerance,
           '收入总计不等于本年收入合计+使用非财政拨款结余+年初结转和结余' as detail,
           'income_total,income_this_year,use_of_non_fiscal_balance,carry_over_begin' as figure_keys
    from v
    where income_total is not null and income_this_year is not null
      and use_of_non_fiscal_balance is not null and carry_over_begin is not null
),
final as (
    select * from totals where difference <> 0
    union all
    select * from composition where difference <> 0
)
select * from final
