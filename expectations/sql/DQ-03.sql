-- DQ-03 every 款 (5-digit code) with a non-zero amount in T05 is broken down to 项 (7-digit codes)
with cells as (
    select unit_code, year, sha256, regexp_extract(row_label, '^\s*(\d+)', 1) as code, value
    from staging.rule_cell where table_id = 'T05'
),
kuan as (
    select unit_code, year, sha256, code from cells
    where length(code) = 5 group by all having max(abs(value)) > 0
),
xiang as (
    select distinct unit_code, year, sha256, left(code, 5) as parent from cells where length(code) = 7
),
final as (
    select k.unit_code, k.year, k.sha256,
           null::decimal(18, 6) as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '款级科目' || k.code || '有金额但未公开到项级' as detail, '' as figure_keys
    from kuan k
    left join xiang x on x.sha256 = k.sha256 and x.parent = k.code
    where x.parent is null
)
select * from final
