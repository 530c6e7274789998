-- DQ-36 stated budget-completion rate (完成预算X%) recomputes as 决算 / 预算 × 100 (interval arithmetic)
with f as (
    select * from staging.rule_figure
),
paired as (
    select b.unit_code, b.year, b.sha256, b.key, b.value as budget, b.precision as budget_prec,
           (select arg_min(v.value, b.span_start - v.span_start) from f v
             where v.sha256 = b.sha256 and v.key = b.key and v.kind = 'value' and v.span_start <= b.span_start)
               as final_value,
           (select arg_min(v.precision, b.span_start - v.span_start) from f v
             where v.sha256 = b.sha256 and v.key = b.key and v.kind = 'value' and v.span_start <= b.span_start)
               as final_prec,
           (select arg_min(p.value, p.span_start) from f p
             where p.sha256 = b.sha256 and p.key = b.key and p.kind = 'budget_pct'
               and p.span_start >= b.span_start and p.span_start - b.span_start <= 60) as pct,
           (select arg_min(p.precision, p.span_start) from f p
             where p.sha256 = b.sha256 and p.key = b.key and p.kind = 'budget_pct'
               and p.span_start >= b.span_start and p.span_start - b.span_start <= 60) as pct_prec
    from f b where b.kind = 'budget' and b.value > 0
),
calc as (
    select *, final_value / budget * 100 as mid,
           pct_low(final_value, final_prec, budget, budget_prec, pct_prec) as low,
           pct_high(final_value, final_prec, budget, budget_prec, pct_prec) as high
    from paired where pct is not null and final_value is not null
),
final as (
    select unit_code, year, sha256, pct as observed, mid::decimal(18, 6) as expected,
           (pct - mid)::decimal(18, 6) as difference, tol_interval(pct, mid, low, high)::decimal(18, 6) as tolerance,
           '预算完成率与决算数/预算数不符(' || key || ')' as detail,
           key || ',' || key || '@budget,' || key || '@budget_pct' as figure_keys
    from calc where pct < low or pct > high
)
select * from final
