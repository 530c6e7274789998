-- DQ-40 stated YoY change: rate = change / (this − change) × 100, direction agrees, no rate on a zero base, 三公 changes add up
with y as (
    select *, (change_prec + coalesce(this_prec, 0)) / 2 as prev_err from staging.rule_yoy
),
zero_base as (
    select unit_code, year, sha256, pct as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '上年数为0(增加额' || num_text(change) || '等于本年数' || num_text(this_value)
               || '),不应给出增长率' || num_text(pct) || '%' as detail,
           key || ',' || key || '@change,' || key || '@change_pct' as figure_keys
    from y where pct is not null and change <> 0 and this_value is not null and abs(prev_derived) <= prev_err
),
direction as (
    select unit_code, year, sha256, pct, change, null, 0,
           '增减方向矛盾:增减额' || num_text(change) || '与增减率' || num_text(pct) || '%符号相反',
           key || '@change,' || key || '@change_pct'
    from y where pct is not null and sign(pct) * sign(change) = -1
),
rate as (
    select *, abs(change) / prev_derived * 100 as mid,
           (abs(change) - change_prec / 2) / (prev_derived + prev_err) * 100 - pct_prec / 2 as low,
           (abs(change) + change_prec / 2) / nullif(prev_derived - prev_err, 0) * 100 + pct_prec / 2 as high
    from y where pct is not null and this_value is not null and prev_derived > prev_err
),
rate_rows as (
    select unit_code, year, sha256, abs(pct), mid::decimal(18, 6), (abs(pct) - mid)::decimal(18, 6),
           tol_interval(abs(pct), mid, low, high)::decimal(18, 6),
           '增减率与增减额不符:上年=' || num_text(this_value) || '−(' || num_text(change) || ')='
               || num_text(prev_derived) || ',增减率应为' || round(mid, 2) || '%,说明写' || num_text(pct) || '%',
           key || ',' || key || '@change,' || key || '@change_pct'
    from rate where abs(pct) < low or abs(pct) > high
),
sangong as (
    select sha256, key, arg_min(change, span_start) as change, arg_min(change_prec, span_start) as prec
    from y group by all
),
sangong_sum as (
    select t.sha256, t.change as total, t.prec as total_prec,
           sum(p.change) as parts, sum(p.prec) as parts_prec, count(*) as n
    from sangong t join sangong p on p.sha256 = t.sha256
        and p.key in ('outbound_travel', 'vehicle_purchase', 'vehicle_operation', 'official_reception')
    where t.key = 'three_public_total'
    group by all
),
sangong_rows as (
    select distinct c.unit_code, c.year, c.sha256, s.total, s.parts, s.total - s.parts,
           tol_sum_p(4, s.total_prec + s.parts_prec),
           '“三公”经费合计较上年增减额' || num_text(s.total) || '不等于分项增减额之和' || num_text(s.parts),
           'three_public_total@change,outbound_travel@change,vehicle_purchase@change,vehicle_operation@change,official_reception@change'
    from sangong_sum s join staging.current_submission c using (sha256)
    where s.n = 4 and s.total <> s.parts
),
final as (
    select * from zero_base
    union all select * from direction
    union all select * from rate_rows
    union all select * from sangong_rows
)
select * from final
