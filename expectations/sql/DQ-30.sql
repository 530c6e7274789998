-- DQ-30 a "三公" item above its budget or above last year must state a reason
with f as (
    select * from staging.rule_figure
    where key in ('three_public_total', 'outbound_travel', 'vehicle_purchase', 'vehicle_operation',
                  'official_reception')
),
vals as (
    select * from f where kind = 'value'
),
increases as (
    select unit_code, year, sha256, key, value as observed, 0::decimal(18, 6) as expected, snippet,
           '较上年增加' as what
    from f where kind = 'change' and value > 0
    union all
    select b.unit_code, b.year, b.sha256, b.key,
           (select arg_min(v.value, abs(v.span_start - b.span_start)) from vals v
             where v.sha256 = b.sha256 and v.key = b.key) as observed,
           b.value as expected, b.snippet, '超过预算' as what
    from f b where b.kind = 'budget'
),
final as (
    select unit_code, year, sha256, observed, expected, observed - expected as difference,
           tol_equal() as tolerance,
           '“三公”经费' || what || '但未说明原因(' || key || ')' as detail,
           key || ',' || key || '@change,' || key || '@budget' as figure_keys
    from increases
    where observed > expected and reason_text(snippet) is null
)
select * from final
