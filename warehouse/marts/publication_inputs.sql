-- One digest of every row the marts are computed from, so publish can tell an unchanged warehouse
-- without computing the marts (tasks/publish.py compares it with the one the latest publication's
-- manifest records). Whole rows count, except what a run rewrites without changing a verdict
-- (dq.result.run_id) or adds on every run (fetch attempts: only their years reach the marts). A mart
-- that reads another table must add it here; tests/publish/test_marts.py checks the plans for that.
-- A change here that the tables do not show only costs a full build, which then finds the same
-- tables; hash() is DuckDB's 64-bit row hash, summed so row order does not matter.
with parts as (
    select 'core.unit' as part, count(*) as n, sum(hash(*columns(*))) as h from core.unit
    union all
    select 'raw.fetch_attempt', count(*), sum(hash(year)) from (select distinct year from raw.fetch_attempt)
    union all
    select 'raw.submission', count(*), sum(hash(*columns(*))) from raw.submission
    union all
    select 'staging.report', count(*), sum(hash(*columns(*))) from staging.report
    union all
    select 'staging.document_value', count(*), sum(hash(*columns(*))) from staging.document_value
    union all
    select 'staging.perf_project', count(*), sum(hash(*columns(*))) from staging.perf_project
    union all
    select 'dq.result', count(*), sum(hash(*columns(* exclude (run_id)))) from dq.result
    union all
    select 'dq.waiver', count(*), sum(hash(*columns(*))) from dq.waiver
),

final as (
    select sha256(string_agg(part || ':' || n || ':' || coalesce(h, 0), ';' order by part)) as digest
    from parts
)

select * from final
