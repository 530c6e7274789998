-- DQ-34 structural shares sum to 100% (基本支出占比 + 项目支出占比)
with v as (
    select * from staging.unit_value where basic_share_pct is not null and project_share_pct is not null
),
final as (
    select unit_code, year, sha256, basic_share_pct + project_share_pct as observed, 100::decimal(18, 6) as expected,
           basic_share_pct + project_share_pct - 100 as difference,
           tol_shares(basic_share_pct__prec + project_share_pct__prec) as tolerance,
           '基本支出占比与项目支出占比之和不等于100%' as detail, 'basic_share_pct,project_share_pct' as figure_keys
    from v where basic_share_pct + project_share_pct <> 100
)
select * from final
