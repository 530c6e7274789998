-- DQ-50 grade matches the total score (优 ≥ 90, 良 80–90, 中 60–80, 差 < 60); the narrative's project count and funds match the annexed tables
with p as (
    select * from staging.rule_perf_project
),
grades as (
    select unit_code, year, sha256, total_score as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '项目“' || name || '”评价等级“' || grade || '”与总分' || num_text(total_score) || '不符' as detail,
           '' as figure_keys
    from p
    where grade is not null and total_score is not null
      and left(grade, 1) <> case when total_score >= 90 then '优' when total_score >= 80 then '良'
                                 when total_score >= 60 then '中' else '差' end
),
tables as (
    -- "涉及资金" is written as the projects' budgets by some units and as their spending by others:
    -- the narrative agrees with the tables when it matches either sum
    select unit_code, year, sha256, count(*) as n, sum(adjusted_budget) as funds, sum(executed) as spent,
           count(*) filter (where adjusted_budget is null) as funds_missing
    from p group by all
),
narrative as (
    select v.unit_code, v.year, v.sha256, v.perf_projects_count as observed, t.n::decimal(18, 6) as expected,
           v.perf_projects_count - t.n as difference, 0::decimal(18, 6) as tolerance,
           '说明称' || num_text(v.perf_projects_count) || '个项目开展绩效自评,附表仅' || t.n || '张' as detail,
           'perf_projects_count' as figure_keys
    from staging.unit_value v join tables t using (unit_code, year, sha256)
    where v.perf_projects_count is not null and v.perf_projects_count <> t.n
    union all
    select v.unit_code, v.year, v.sha256, v.perf_projects_funds, t.funds, v.perf_projects_funds - t.funds,
           tol_sum_p(t.n, v.perf_projects_funds__prec + 0.01 * t.n),
           '说明称自评涉及资金' || num_text(v.perf_projects_funds) || '万元,附表合计' || num_text(t.funds) || '万元',
           'perf_projects_funds'
    from staging.unit_value v join tables t using (unit_code, year, sha256)
    where v.perf_projects_funds is not null and t.funds_missing = 0 and v.perf_projects_funds <> t.funds
      and coalesce(abs(v.perf_projects_funds - t.spent) > tol_sum_p(t.n, v.perf_projects_funds__prec + 0.01 * t.n), true)
),
final as (
    select * from grades
    union all
    select * from narrative
)
select * from final
