-- DQ-41 last-year figures agree with last year's published 决算 (warehouse) and 年初 = 上年年末; else the document's own 上年 statements agree
with y as (
    select *, coalesce(prev_stated, prev_derived) as prev_value from staging.rule_yoy
),
prior as (
    select f.unit_code, f.year + 1 as year, f.key, arg_min(f.value, f.seq) as value, arg_min(f.precision, f.seq) as prec
    from staging.rule_figure f where f.kind = 'value' group by all
),
vs_prior as (
    select y.unit_code, y.year, y.sha256, y.prev_value as observed, p.value as expected,
           y.prev_value - p.value as difference,
           greatest(tol_eq(p.prec, y.change_prec), (coalesce(y.this_prec, 0) + y.change_prec) / 2) as tolerance,
           '上年数(' || y.key || ')与上年公开决算' || num_text(p.value) || '不一致' as detail,
           y.key || ',' || y.key || '@change,' || y.key || '@prev' as figure_keys
    from y join prior p on p.unit_code = y.unit_code and p.year = y.year and p.key = y.key
    where y.prev_value is not null
),
opening(unit_code, year, sha256, observed, expected, difference, tolerance, detail, figure_keys) as (
    select v.unit_code, v.year, v.sha256, v.carry_over_begin, p.value, v.carry_over_begin - p.value,
           tol_eq(v.carry_over_begin__prec, p.prec), '年初结转和结余不等于上年年末结转和结余' || num_text(p.value),
           'carry_over_begin'
    from staging.unit_value v
    join prior p on p.unit_code = v.unit_code and p.year = v.year and p.key = 'carry_over_end'
    where v.carry_over_begin is not null
),
own(unit_code, year, sha256, observed, expected, difference, tolerance, detail, figure_keys) as (
    -- without last year's document: a stated 上年 figure must match this year − stated change
    select y.unit_code, y.year, y.sha256, y.prev_stated, y.prev_derived, y.prev_stated - y.prev_derived,
           tol_sum_p(2, coalesce(y.this_prec, 0) + y.change_prec + y.prev_stated_prec),
           '说明中的上年数(' || y.key || ')与本年数减增减额不符', y.key || '@prev,' || y.key || ',' || y.key || '@change'
    from y
    where y.prev_stated is not null and y.prev_derived is not null
      and not exists (select 1 from prior p where p.unit_code = y.unit_code and p.year = y.year)
),
final as (
    select * from vs_prior where difference <> 0
    union all select * from opening where difference <> 0
    union all select * from own where difference <> 0
)
select * from final
