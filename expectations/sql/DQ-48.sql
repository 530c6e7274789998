-- DQ-48 a missed target, a deviation over 20% (assumed θ) or an execution rate under 90% is explained
with i as (
    select * from staging.rule_perf_indicator
    where target is not null and actual is not null and coalesce(trim(note), '') = ''
),
indicators as (
    select unit_code, year, sha256, actual as observed, target as expected,
           '指标“' || name || '”' || case
               when operator in ('≥', '>=', '>') and actual < target then '未完成'
               when operator in ('≤', '<=', '<') and actual > target then '未完成'
               else '偏离度超过20%' end || '但未说明原因' as detail
    from i
    where (operator in ('≥', '>=', '>') and actual < target)
       or (operator in ('≤', '<=', '<') and actual > target)
       or (target <> 0 and abs(actual - target) / abs(target) > 0.2)
),
projects as (
    select unit_code, year, sha256, exec_rate_pct, 90::decimal(18, 6),
           '项目“' || name || '”预算执行率低于90%,须说明原因'
    from staging.rule_perf_project where exec_rate_pct < 90
),
final as (
    select unit_code, year, sha256, observed, expected, null::decimal(18, 6) as difference,
           0::decimal(18, 6) as tolerance, detail, '' as figure_keys
    from (select * from indicators union all select * from projects)
)
select * from final
