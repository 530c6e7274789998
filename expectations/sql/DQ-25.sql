-- DQ-25 基本支出 = 人员经费 + 公用经费
with v as (
    select * from staging.unit_value
),
checked as (
    select unit_code, year, sha256,
           basic_expenditure as observed,
           personnel_expense + public_expense as expected,
           basic_expenditure - (personnel_expense + public_expense) as difference,
           tol_sum_p(2, basic_expenditure__prec + personnel_expense__prec + public_expense__prec) as tolerance,
           '基本支出不等于人员经费与公用经费之和' as detail,
           'basic_expenditure,personnel_expense,public_expense' as figure_keys
    from v
    where basic_expenditure is not null and personnel_expense is not null and public_expense is not null
),
final as (
    select * from checked where difference <> 0
)
select * from final
