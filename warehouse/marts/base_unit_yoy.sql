-- Year-over-year pairs of the main figures, one row per published unit × year × figure, for units
-- published in both the year and the year before (an excluded year is not a baseline to compare
-- against). Long, so every figure gets the same change / change_pct arithmetic.
with published as (
    select
        year, unit_code, unit_name, unit_type,
        income_total, expenditure_total, basic_expenditure, project_expenditure,
        fiscal_appropriation_income, three_public_total, meeting_fee, training_fee,
        operating_expense, procurement_total
    from marts.base_unit_year
    where published
),

figures as (
    unpivot published
    on income_total, expenditure_total, basic_expenditure, project_expenditure,
        fiscal_appropriation_income, three_public_total, meeting_fee, training_fee,
        operating_expense, procurement_total
    into name metric value amount
),

metric_names as (
    select * from (values
        (1, 'expenditure_total', '支出总计'),
        (2, 'income_total', '收入总计'),
        (3, 'basic_expenditure', '基本支出'),
        (4, 'project_expenditure', '项目支出'),
        (5, 'fiscal_appropriation_income', '财政拨款收入'),
        (6, 'three_public_total', '“三公”经费合计'),
        (7, 'meeting_fee', '会议费'),
        (8, 'training_fee', '培训费'),
        (9, 'operating_expense', '机关运行经费'),
        (10, 'procurement_total', '政府采购支出总额')
    ) as t (metric_order, metric, metric_name)
),

paired as (
    select
        cur.year,
        cur.unit_code,
        cur.unit_name,
        cur.unit_type,
        cur.metric,
        prev.amount as prev_amount,
        cur.amount
    from figures as cur
    inner join figures as prev
        on prev.unit_code = cur.unit_code and prev.year = cur.year - 1 and prev.metric = cur.metric
),

final as (
    select
        p.year,
        p.unit_code,
        p.unit_name,
        p.unit_type,
        m.metric_order,
        p.metric,
        m.metric_name,
        p.prev_amount::decimal(18, 2) as prev_amount,
        p.amount::decimal(18, 2) as amount,
        (p.amount - p.prev_amount)::decimal(18, 2) as change,
        pct_exact(p.amount - p.prev_amount, p.prev_amount)::decimal(12, 2) as change_pct
    from paired as p
    inner join metric_names as m using (metric)
)

select * from final
