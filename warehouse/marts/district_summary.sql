-- One row per year: how many units were published, and the district's totals over the published
-- units only. Totals add the units' cent-rounded figures, so they equal the sum of the published
-- unit table to the cent.
with base as (
    select * from marts.base_unit_year
),

coverage as (
    select
        year,
        count(*) as units_registered,
        count(*) filter (where status <> 'missing') as units_submitted,
        count(*) filter (where published) as units_published,
        count(*) filter (where not published) as units_excluded
    from base
    group by year
),

totals as (
    select
        year,
        sum(income_total)::decimal(18, 2) as income_total,
        sum(expenditure_total)::decimal(18, 2) as expenditure_total,
        sum(income_this_year)::decimal(18, 2) as income_this_year,
        sum(expenditure_this_year)::decimal(18, 2) as expenditure_this_year,
        sum(basic_expenditure)::decimal(18, 2) as basic_expenditure,
        sum(project_expenditure)::decimal(18, 2) as project_expenditure,
        sum(personnel_expense)::decimal(18, 2) as personnel_expense,
        sum(public_expense)::decimal(18, 2) as public_expense,
        sum(fiscal_appropriation_income)::decimal(18, 2) as fiscal_appropriation_income,
        sum(general_budget_income)::decimal(18, 2) as general_budget_income,
        sum(gov_fund_income)::decimal(18, 2) as gov_fund_income,
        sum(state_capital_income)::decimal(18, 2) as state_capital_income,
        sum(three_public_total)::decimal(18, 2) as three_public_total,
        sum(outbound_travel)::decimal(18, 2) as outbound_travel,
        sum(vehicle_purchase)::decimal(18, 2) as vehicle_purchase,
        sum(vehicle_operation)::decimal(18, 2) as vehicle_operation,
        sum(official_reception)::decimal(18, 2) as official_reception,
        sum(meeting_fee)::decimal(18, 2) as meeting_fee,
        sum(training_fee)::decimal(18, 2) as training_fee,
        sum(operating_expense)::decimal(18, 2) as operating_expense,
        sum(procurement_total)::decimal(18, 2) as procurement_total,
        sum(procurement_goods)::decimal(18, 2) as procurement_goods,
        sum(procurement_works)::decimal(18, 2) as procurement_works,
        sum(procurement_services)::decimal(18, 2) as procurement_services,
        sum(sme_contract_amount)::decimal(18, 2) as sme_contract_amount,
        sum(small_micro_contract_amount)::decimal(18, 2) as small_micro_contract_amount,
        sum(carry_over_begin)::decimal(18, 2) as carry_over_begin,
        sum(carry_over_end)::decimal(18, 2) as carry_over_end
    from base
    where published
    group by year
),

final as (
    select
        c.year,
        c.units_registered,
        c.units_submitted,
        c.units_published,
        c.units_excluded,
        t.income_total,
        t.expenditure_total,
        t.income_this_year,
        t.expenditure_this_year,
        t.basic_expenditure,
        t.project_expenditure,
        -- shares of basic + project, the two parts every unit states
        pct_exact(t.basic_expenditure, t.basic_expenditure + t.project_expenditure)::decimal(9, 2) as basic_share_pct,
        pct_exact(t.project_expenditure, t.basic_expenditure + t.project_expenditure)::decimal(9, 2) as project_share_pct,
        t.personnel_expense,
        t.public_expense,
        t.fiscal_appropriation_income,
        t.general_budget_income,
        t.gov_fund_income,
        t.state_capital_income,
        t.three_public_total,
        t.outbound_travel,
        t.vehicle_purchase,
        t.vehicle_operation,
        t.official_reception,
        t.meeting_fee,
        t.training_fee,
        t.operating_expense,
        t.procurement_total,
        t.procurement_goods,
        t.procurement_works,
        t.procurement_services,
        t.sme_contract_amount,
        pct_exact(t.sme_contract_amount, t.procurement_total)::decimal(9, 2) as sme_share_pct,
        t.small_micro_contract_amount,
        pct_exact(t.small_micro_contract_amount, t.procurement_total)::decimal(9, 2) as small_micro_share_pct,
        t.carry_over_begin,
        t.carry_over_end
    from coverage as c
    left join totals as t using (year)
)

select * from final
