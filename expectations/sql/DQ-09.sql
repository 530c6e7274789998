-- DQ-09 T01 本年收入合计 = sum of the income lines (财政拨款 by fund, 上级补助, 事业, 经营, 附属单位上缴, 其他)
with t01 as (
    select * from staging.rule_cell where table_id = 'T01'
),
totals as (
    select unit_code, year, sha256, min(value) as total, min(precision) as total_prec
    from t01 where key = 'income_this_year' group by all
),
parts as (
    select unit_code, year, sha256, sum(value) as parts, count(*) as n, sum(precision) as parts_prec
    from t01
    where key in ('general_budget_income', 'gov_fund_income', 'state_capital_income', 'business_income',
                  'operating_income', 'other_income')
       or row_label like '%上级补助收入%' or row_label like '%附属单位上缴收入%'
    group by all
),
final as (
    select t.unit_code, t.year, t.sha256, t.total as observed, p.parts as expected,
           t.total - p.parts as difference, tol_sum_p(p.n, p.parts_prec + t.total_prec) as tolerance,
           '收入支出决算总表本年收入合计不等于各项收入之和' as detail, 'income_this_year' as figure_keys
    from totals t join parts p using (unit_code, year, sha256)
    where t.total <> p.parts
)
select * from final
