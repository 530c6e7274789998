-- DQ-47 quantitative indicator scores: met ⇒ full weight; ≥ target short ⇒ weight × B/A; ≤ target over ⇒ weight × A/B
with i as (
    select *, case when operator in ('≥', '>=', '>') then 'ge' when operator in ('≤', '<=', '<') then 'le'
                   when operator = '=' then 'eq' end as op
    from staging.rule_perf_indicator
    where target is not null and actual is not null and weight is not null and score is not null
),
calc as (
    select *,
           case when op = 'ge' and actual >= target then weight
                when op = 'ge' and target > 0 then weight * actual / target
                when op = 'le' and actual <= target then weight
                when op = 'le' and actual > 0 then weight * target / actual
                when op = 'eq' and actual = target then weight end as expected
    from i where op is not null
),
final as (
    select unit_code, year, sha256, score as observed, expected::decimal(18, 6) as expected,
           (score - expected)::decimal(18, 6) as difference, 0.01::decimal(18, 6) as tolerance,
           '指标“' || name || '”得分与完成情况不符(指标值' || num_text(target) || ',完成值' || num_text(actual) || ')'
               as detail, '' as figure_keys
    from calc where expected is not null and score <> expected
)
select * from final
