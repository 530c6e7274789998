-- DQ-46 every indicator score lies within [0, weight]
with i as (
    select * from staging.rule_perf_indicator where score is not null and weight is not null
),
final as (
    select unit_code, year, sha256, score as observed, case when score < 0 then 0 else weight end as expected,
           score - case when score < 0 then 0 else weight end as difference, 0.01::decimal(18, 6) as tolerance,
           '指标“' || name || '”得分超出0至权重的范围' as detail, '' as figure_keys
    from i where score < 0 or score > weight
)
select * from final
