-- DQ-44 执行率 = 全年执行数 / 全年预算数 × 100, and its score = 权重 × min(执行率, 100%) (proportional method)
with p as (
    select * from staging.rule_perf_project
),
rate as (
    select *, executed / adjusted_budget * 100 as mid,
           pct_low(executed, 0.01, adjusted_budget, 0.01, shown_prec(exec_rate_pct)) as low,
           pct_high(executed, 0.01, adjusted_budget, 0.01, shown_prec(exec_rate_pct)) as high
    from p where exec_rate_pct is not null and executed is not null and adjusted_budget > 0
),
rate_rows as (
    select unit_code, year, sha256, exec_rate_pct as observed, mid::decimal(18, 6) as expected,
           (exec_rate_pct - mid)::decimal(18, 6) as difference,
           tol_interval(exec_rate_pct, mid, low, high)::decimal(18, 6) as tolerance,
           '项目“' || name || '”执行率与执行数/预算数不符' as detail, '' as figure_keys
    from rate where exec_rate_pct < low or exec_rate_pct > high
),
score_rows(unit_code, year, sha256, observed, expected, difference, tolerance, detail, figure_keys) as (
    select unit_code, year, sha256, exec_score,
           (exec_weight * least(exec_rate_pct, 100) / 100)::decimal(18, 6),
           (exec_score - exec_weight * least(exec_rate_pct, 100) / 100)::decimal(18, 6),
           greatest(0.01, exec_weight * shown_prec(exec_rate_pct) / 200 + 0.005)::decimal(18, 6),
           '项目“' || name || '”执行率得分不等于权重×执行率', ''
    from p where exec_score is not null and exec_weight is not null and exec_rate_pct is not null
),
final as (
    select * from rate_rows
    union all
    select * from score_rows where difference <> 0
)
select * from final
