-- DQ-01 the standard tables the campaign requires (default: all nine, T01…T09) are in the submission
with subs as (
    select s.unit_code, s.year, s.sha256, coalesce(s.tables, []) as tables,
           coalesce(c.required_tables, ['T01', 'T02', 'T03', 'T04', 'T05', 'T06', 'T07', 'T08', 'T09']) as required
    from staging.current_submission s
    left join meta.campaign c on c.year = s.year
    where s.parse_status = 'parsed'
),
checked as (
    select unit_code, year, sha256, len(required) as n_required,
           list_filter(required, lambda t: not list_contains(tables, t)) as missing
    from subs
),
final as (
    select unit_code, year, sha256,
           (n_required - len(missing))::decimal(18, 6) as observed, n_required::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '缺少公开表:' || array_to_string(missing, '、') as detail,
           '' as figure_keys
    from checked
    where len(missing) > 0
)
select * from final
