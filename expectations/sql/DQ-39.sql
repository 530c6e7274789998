-- DQ-39 stated shares recompute: 基本/项目支出占比 = amount / 本年支出 × 100 (interval arithmetic)
with v as (
    select *,
           coalesce(expenditure_this_year, basic_expenditure + project_expenditure) as denom,
           coalesce(expenditure_this_year__prec, basic_expenditure__prec + project_expenditure__prec) as denom_prec
    from staging.unit_value
),
shares as (
    select unit_code, year, sha256, basic_share_pct as stated, basic_expenditure / denom * 100 as mid,
           pct_low(basic_expenditure, basic_expenditure__prec, denom, denom_prec, basic_share_pct__prec) as low,
           pct_high(basic_expenditure, basic_expenditure__prec, denom, denom_prec, basic_share_pct__prec) as high,
           '基本支出占比与金额不符' as detail, 'basic_share_pct,basic_expenditure' as keys
    from v where basic_share_pct is not null and basic_expenditure is not null and denom > 0
    union all
    select unit_code, year, sha256, project_share_pct, project_expenditure / denom * 100,
           pct_low(project_expenditure, project_expenditure__prec, denom, denom_prec, project_share_pct__prec),
           pct_high(project_expenditure, project_expenditure__prec, denom, denom_prec, project_share_pct__prec),
           '项目支出占比与金额不符', 'project_share_pct,project_expenditure'
    from v where project_share_pct is not null and project_expenditure is not null and denom > 0
),
final as (
    select unit_code, year, sha256, stated as observed, mid::decimal(18, 6) as expected,
           (stated - mid)::decimal(18, 6) as difference, tol_interval(stated, mid, low, high)::decimal(18, 6)
               as tolerance, detail, keys as figure_keys
    from shares where stated < low or stated > high
)
select * from final
