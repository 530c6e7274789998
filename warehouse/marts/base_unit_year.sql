-- Every registered unit × campaign year in one row: what it submitted, how its current document
-- fared (parse, rules), whether it may be published and why not, and its figures rounded to the
-- cent. Named base_* so it sorts before the marts that read it (db.py creates marts in file order);
-- the campaign status (warehouse/sql/campaign_status.sql) reads it too.
with campaign_years as (
    select year from raw.fetch_attempt
    union
    select year from raw.submission
    union
    select year from dq.result
),

registered as (
    select u.unit_code, u.unit_name, u.parent_code, u.unit_type, y.year
    from core.unit as u
    cross join campaign_years as y
),

submissions as (
    select unit_code, year, version, sha256, fetched_at, source_url, parse_status, parse_error
    from staging.current_submission
),

-- only the verdicts on the current document count: a corrected resubmission clears old errors
checks as (
    select * from staging.document_check
),

statused as (
    select
        reg.*,
        s.version as submission_version,
        s.sha256,
        s.fetched_at,
        s.source_url,
        s.parse_error,
        case
            when s.sha256 is null then 'missing'
            when s.parse_status = 'failed' then 'parse_failed'
            when s.parse_status is null then 'not_parsed'
            else 'submitted'
        end as status,
        coalesce(c.rules_run, 0) as rules_run,
        coalesce(c.errors, 0) as errors,
        coalesce(c.warnings, 0) as warnings,
        coalesce(c.waived, 0) as waived,
        c.error_rules as failed_rules,
        c.error_messages as failed_messages,
        c.open_rules
    from registered as reg
    left join submissions as s on reg.unit_code = s.unit_code and reg.year = s.year
    left join checks as c on s.unit_code = c.unit_code and s.year = c.year and s.sha256 = c.sha256
),

-- a parsed document nobody has checked yet is held back too: "no open errors" must mean checked
reasoned as (
    select
        *,
        case
            when status <> 'submitted' then status
            when rules_run = 0 then 'not_validated'
            when errors > 0 then 'dq_error'
        end as reason_code
    from statused
),

final as (
    select
        r.year,
        r.unit_code,
        r.unit_name,
        r.parent_code,
        r.unit_type,
        r.status,
        r.parse_error,
        r.submission_version,
        r.sha256,
        r.fetched_at,
        r.source_url,
        r.rules_run,
        r.errors,
        r.warnings,
        r.waived,
        r.open_rules,
        r.reason_code is null as published,
        r.reason_code,
        case r.reason_code
            when 'missing' then '未提交决算公开文件'
            when 'parse_failed' then '文件无法解析：' || coalesce(r.parse_error, '原因不明')
            when 'not_parsed' then '文件尚未解析'
            when 'not_validated' then '尚未完成数据校验'
            when 'dq_error' then '未通过校验（错误 ' || r.errors || ' 项）：' || r.failed_messages
        end as reason,
        r.failed_rules,
        round(v.income_total, 2)::decimal(18, 2) as income_total,
        round(v.expenditure_total, 2)::decimal(18, 2) as expenditure_total,
        round(v.income_this_year, 2)::decimal(18, 2) as income_this_year,
        round(v.expenditure_this_year, 2)::decimal(18, 2) as expenditure_this_year,
        round(v.fiscal_appropriation_income, 2)::decimal(18, 2) as fiscal_appropriation_income,
        round(v.general_budget_income, 2)::decimal(18, 2) as general_budget_income,
        round(v.gov_fund_income, 2)::decimal(18, 2) as gov_fund_income,
        round(v.state_capital_income, 2)::decimal(18, 2) as state_capital_income,
        round(v.business_income, 2)::decimal(18, 2) as business_income,
        round(v.operating_income, 2)::decimal(18, 2) as operating_income,
        round(v.other_income, 2)::decimal(18, 2) as other_income,
        round(v.use_of_non_fiscal_balance, 2)::decimal(18, 2) as use_of_non_fiscal_balance,
        round(v.carry_over_begin, 2)::decimal(18, 2) as carry_over_begin,
        round(v.carry_over_end, 2)::decimal(18, 2) as carry_over_end,
        round(v.basic_expenditure, 2)::decimal(18, 2) as basic_expenditure,
        round(v.project_expenditure, 2)::decimal(18, 2) as project_expenditure,
        round(v.personnel_expense, 2)::decimal(18, 2) as personnel_expense,
        round(v.public_expense, 2)::decimal(18, 2) as public_expense,
        round(v.three_public_total, 2)::decimal(18, 2) as three_public_total,
        round(v.outbound_travel, 2)::decimal(18, 2) as outbound_travel,
        round(v.vehicle_purchase, 2)::decimal(18, 2) as vehicle_purchase,
        round(v.vehicle_operation, 2)::decimal(18, 2) as vehicle_operation,
        round(v.official_reception, 2)::decimal(18, 2) as official_reception,
        round(v.meeting_fee, 2)::decimal(18, 2) as meeting_fee,
        round(v.training_fee, 2)::decimal(18, 2) as training_fee,
        round(v.travel_fee, 2)::decimal(18, 2) as travel_fee,
        round(v.operating_expense, 2)::decimal(18, 2) as operating_expense,
        round(v.procurement_total, 2)::decimal(18, 2) as procurement_total,
        round(v.procurement_goods, 2)::decimal(18, 2) as procurement_goods,
        round(v.procurement_works, 2)::decimal(18, 2) as procurement_works,
        round(v.procurement_services, 2)::decimal(18, 2) as procurement_services,
        round(v.sme_contract_amount, 2)::decimal(18, 2) as sme_contract_amount,
        round(v.small_micro_contract_amount, 2)::decimal(18, 2) as small_micro_contract_amount,
        round(v.perf_projects_funds, 2)::decimal(18, 2) as perf_projects_funds,
        v.perf_projects_count::bigint as perf_projects_count,
        v.vehicles_held::bigint as vehicles_held,
        v.reception_batches::bigint as reception_batches,
        v.reception_people::bigint as reception_people,
        v.outbound_groups::bigint as outbound_groups,
        v.outbound_people::bigint as outbound_people
    from reasoned as r
    left join staging.unit_value as v on r.unit_code = v.unit_code and r.year = v.year and r.sha256 = v.sha256
)

select * from final
