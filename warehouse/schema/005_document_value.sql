-- Each document's first statement (lowest seq) of every canonical key stated as a value, one row per
-- document, with its displayed precision in <key>__prec: what staging.unit_value shows (DESIGN.md
-- §3). Pivoting every current figure on each read cost 6.5 s at 100 000 units, and the check stage
-- and the publication both read it; a document's pivot only changes when it is parsed again, so it
-- is kept here, by sha256 (the same bytes give the same pivot whichever unit sent them), and
-- replaced with the document's other staging rows (warehouse/sql/replace_parsed.sql).
--
-- The pivot is the table macro below, read by the backfill here and by every load, so both produce
-- the same rows. It lives in this migration rather than in warehouse/views/ because its columns are
-- the table's columns: a new key is a migration that adds the two columns, replaces the macro and
-- backfills, never a view edit (and views are created after migrations run, so this backfill could
-- not call one). `figures` names a relation shaped like staging.figure (a table or a registered
-- frame). A document without any value statement has no row; unit_value's left join shows nulls.
create macro staging.first_statements(figures) as table
with firsts as (
    select sha256, key, arg_min(value, seq) as value, arg_min(precision, seq) as precision
    from query_table(figures)
    where kind = 'value'
    group by sha256, key
),
-- PIVOT rather than a FILTER aggregate per column: 96 of those over a batch of 500 documents cost
-- 0.12 s of CPU at every load, PIVOT 0.015 s
pivoted as (
    pivot firsts
    on key in ('income_total', 'expenditure_total', 'income_this_year', 'expenditure_this_year',
        'fiscal_appropriation_income', 'general_budget_income', 'gov_fund_income',
        'state_capital_income', 'business_income', 'operating_income', 'other_income',
        'use_of_non_fiscal_balance', 'carry_over_begin', 'carry_over_end', 'basic_expenditure',
        'project_expenditure', 'basic_share_pct', 'project_share_pct', 'personnel_expense',
        'public_expense', 'three_public_total', 'outbound_travel', 'vehicle_purchase',
        'vehicle_operation', 'official_reception', 'reception_batches', 'reception_people',
        'reception_per_capita_yuan', 'outbound_groups', 'outbound_people', 'vehicles_purchased',
        'vehicles_held', 'meeting_fee', 'training_fee', 'travel_fee', 'operating_expense',
        'procurement_total', 'procurement_goods', 'procurement_works', 'procurement_services',
        'sme_contract_amount', 'small_micro_contract_amount', 'sme_share_pct',
        'small_micro_share_pct', 'vehicles_count', 'large_equipment_count', 'perf_projects_count',
        'perf_projects_funds')
    using any_value(value) as value, any_value(precision) as _prec
    group by sha256
)
-- PIVOT names a key's columns <key>_value and <key>__prec: the first loses its suffix
select columns('^(.+?)(_value)?$') as '\1' from pivoted;

-- the columns, and their DECIMAL(18, 6), come from the macro, so they are written once
create table staging.document_value as
select * from staging.first_statements('staging.figure');
alter table staging.document_value add primary key (sha256);
