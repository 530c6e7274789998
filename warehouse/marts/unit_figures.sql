-- The published figures of each unit (only units without open errors), wide, in 万元.
with published as (
    select * from marts.base_unit_year where published
),

final as (
    select
        year, unit_code, unit_name, parent_code, unit_type,
        income_total, expenditure_total, income_this_year, expenditure_this_year,
        fiscal_appropriation_income, general_budget_income, gov_fund_income, state_capital_income,
        business_income, operating_income, other_income, use_of_non_fiscal_balance,
        carry_over_begin, carry_over_end,
        basic_expenditure, project_expenditure, personnel_expense, public_expense,
        three_public_total, outbound_travel, vehicle_purchase, vehicle_operation, official_reception,
        meeting_fee, training_fee, travel_fee, operating_expense,
        procurement_total, procurement_goods, procurement_works, procurement_services,
        sme_contract_amount, small_micro_contract_amount,
        perf_projects_count, perf_projects_funds,
        vehicles_held, reception_batches, reception_people, outbound_groups, outbound_people,
        sha256
    from published
)

select * from final
