-- DQ-32 stated 人均接待费(元) recomputes as 公务接待费 × 10000 / 接待人次 (interval arithmetic)
with v as (
    select * from staging.unit_value
    where reception_per_capita_yuan is not null and official_reception is not null and reception_people > 0
),
calc as (
    select *,
           official_reception * 10000 / reception_people as mid,
           (official_reception - official_reception__prec / 2) * 10000 / reception_people
               - reception_per_capita_yuan__prec / 2 as low,
           (official_reception + official_reception__prec / 2) * 10000 / reception_people
               + reception_per_capita_yuan__prec / 2 as high
    from v
),
final as (
    select unit_code, year, sha256, reception_per_capita_yuan as observed, mid::decimal(18, 6) as expected,
           (reception_per_capita_yuan - mid)::decimal(18, 6) as difference,
           tol_interval(reception_per_capita_yuan, mid, low, high)::decimal(18, 6) as tolerance,
           '人均接待费与公务接待费/接待人次不符' as detail,
           'reception_per_capita_yuan,official_reception,reception_people' as figure_keys
    from calc where reception_per_capita_yuan < low or reception_per_capita_yuan > high
)
select * from final
