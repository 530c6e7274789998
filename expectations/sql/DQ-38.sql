-- DQ-38 a figure stated more than once (twice in the text, or text vs table cell) has one value
with f as (
    select * from staging.rule_figure where kind = 'value'
),
firsts as (
    select sha256, key, arg_min(value, seq) as first_value, arg_min(precision, seq) as first_prec,
           arg_min(source, seq) as first_source, min(seq) as first_seq
    from f group by all
),
final as (
    select f.unit_code, f.year, f.sha256, f.value as observed, o.first_value as expected,
           f.value - o.first_value as difference, tol_eq(f.precision, o.first_prec) as tolerance,
           '同一数字前后不一致(' || f.key || '):'
               || case when o.first_source = 'text' then '说明' else '表' || split_part(o.first_source, ':', 2) end
               || '为' || num_text(o.first_value) || ','
               || case when f.source = 'text' then '说明' else '表' || split_part(f.source, ':', 2) end
               || '为' || num_text(f.value) as detail,
           f.key as figure_keys
    from f join firsts o on o.sha256 = f.sha256 and o.key = f.key
    -- two cells of a table are different cells; compare text with text, and text with tables
    where f.seq <> o.first_seq and f.value <> o.first_value
      and not (f.source like 'table:%' and o.first_source like 'table:%')
)
select * from final
