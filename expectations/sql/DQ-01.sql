-- DQ-01 all nine standard tables (T01…T09) are published with the submission
with subs as (
    select unit_code, year, sha256, coalesce(tables, []) as tables
    from staging.current_submission where parse_status = 'parsed'
),
checked as (
    select unit_code, year, sha256,
           list_filter(['T01', 'T02', 'T03', 'T04', 'T05', 'T06', 'T07', 'T08', 'T09'],
                       lambda t: not list_contains(tables, t)) as missing
    from subs
),
final as (
    select unit_code, year, sha256,
           (9 - len(missing))::decimal(18, 6) as observed, 9::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '缺少公开表:' || array_to_string(missing, '、') as detail,
           '' as figure_keys
    from checked
    where len(missing) > 0
)
select * from final
