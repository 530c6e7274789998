-- DQ-45 weights add up to 100: 执行率权重 + Σ 指标权重
with weights as (
    select i.unit_code, i.year, i.sha256, i.project_no, i.project_name,
           sum(i.weight) as indicators, count(*) filter (where i.weight is null) as missing
    from staging.rule_perf_indicator i group by all
),
final as (
    select w.unit_code, w.year, w.sha256, w.indicators + p.exec_weight as observed, 100::decimal(18, 6) as expected,
           w.indicators + p.exec_weight - 100 as difference, 0::decimal(18, 6) as tolerance,
           '项目“' || w.project_name || '”各项权重之和不等于100' as detail, '' as figure_keys
    from weights w join staging.rule_perf_project p using (sha256, project_no)
    where w.missing = 0 and p.exec_weight is not null and w.indicators + p.exec_weight <> 100
)
select * from final
