-- DQ-42 a material change (|Δ| ≥ 10% or ≥ 10万元, RULES.md §3; thresholds are assumptions) states its reason
with y as (
    select * from staging.rule_yoy where measure = 'amount'
),
stated as (
    select unit_code, year, sha256, key, change, pct, snippet from y
    where (abs(change) >= 10 or abs(pct) >= 10) and reason_text(snippet) is null
),
prior as (
    select unit_code, year + 1 as year, key, arg_min(value, seq) as value
    from staging.rule_figure where kind = 'value' and measure = 'amount' group by all
),
vs_prior as (
    -- figures the document gives no change for: compare with last year's document in the warehouse
    select v.unit_code, v.year, v.sha256, v.key, v.value - p.value as change,
           (v.value - p.value) / nullif(p.value, 0) * 100 as pct,
           (select string_agg(s.snippet, ' ') from staging.rule_figure s
             where s.sha256 = v.sha256 and s.key = v.key) as snippet
    from (select unit_code, year, sha256, key, arg_min(value, seq) as value from staging.rule_figure
          where kind = 'value' and measure = 'amount'
            and key in ('income_total', 'expenditure_total', 'basic_expenditure', 'project_expenditure',
                        'three_public_total', 'operating_expense')
          group by all) v
    join prior p on p.unit_code = v.unit_code and p.year = v.year and p.key = v.key
    where not exists (select 1 from y where y.sha256 = v.sha256 and y.key = v.key)
),
material as (
    select * from stated
    union all
    select * from vs_prior
    where (abs(change) >= 10 or abs(pct) >= 10) and reason_text(snippet) is null
),
final as (
    select unit_code, year, sha256, change::decimal(18, 6) as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '较大变动未说明原因(' || key || ' 增减' || num_text(change::decimal(18, 6))
               || coalesce(',' || round(pct, 2) || '%', '') || ')' as detail,
           key || ',' || key || '@change' as figure_keys
    from material
)
select * from final
