-- DQ-33 机关运行经费 ≤ 公用经费 (行政 / 参公 units)
with v as (
    select * from staging.unit_value where operating_expense is not null and public_expense is not null
),
final as (
    select unit_code, year, sha256, operating_expense as observed, public_expense as expected,
           operating_expense - public_expense as difference,
           tol_eq(operating_expense__prec, public_expense__prec) as tolerance,
           '机关运行经费超过公用经费' as detail, 'operating_expense,public_expense' as figure_keys
    from v where operating_expense > public_expense
)
select * from final
