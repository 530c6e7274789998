-- DQ-49 自评总分 = 执行率得分 + Σ 指标得分
with sums as (
    select sha256, project_no, sum(score) as scores, count(*) filter (where score is null) as missing
    from staging.rule_perf_indicator group by all
),
final as (
    select p.unit_code, p.year, p.sha256, p.total_score as observed, p.exec_score + s.scores as expected,
           p.total_score - (p.exec_score + s.scores) as difference, 0.01::decimal(18, 6) as tolerance,
           '项目“' || p.name || '”自评总分不等于执行率得分与指标得分之和' as detail, '' as figure_keys
    from staging.rule_perf_project p join sums s using (sha256, project_no)
    where s.missing = 0 and p.total_score is not null and p.exec_score is not null
      and p.total_score <> p.exec_score + s.scores
)
select * from final
