-- Per-year counts for the end-of-run summary table: one row.
with reg as (
    select unit_code from core.unit
),
cur as (
    select * from staging.current_submission where year = $year
),
verdict as (
    select unit_code,
           bool_or(severity = 'error' and status = 'fail') as has_error,
           bool_or(severity = 'warning' and status = 'fail') as has_warning
    from dq.result where year = $year group by unit_code
),
last_attempt as (
    select unit_code, arg_max(outcome, attempt_id) as outcome
    from raw.fetch_attempt where year = $year group by unit_code
),
final as (
    select
        (select count(*) from reg) as registered,
        count(cur.unit_code) as submitted,
        count(*) filter (where cur.unit_code is null) as missing,
        count(*) filter (where cur.unit_code is null and a.outcome not in ('not_found')) as unreachable,
        count(*) filter (where cur.parse_status = 'failed') as parse_failed,
        count(*) filter (where v.has_error) as with_errors,
        count(*) filter (where v.has_warning and not v.has_error) as warnings_only,
        count(*) filter (where cur.parse_status = 'parsed' and not coalesce(v.has_error, false)) as publishable
    from reg
    left join cur using (unit_code)
    left join verdict v using (unit_code)
    left join last_attempt a using (unit_code)
)
select * from final;
