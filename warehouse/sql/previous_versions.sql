-- The newest stored version per unit for a year, with the validators for a conditional GET.
-- The validators are those of the newest download of those same bytes, not of the version row: a
-- server that re-stamps unchanged bytes (new ETag or Last-Modified) adds no version, and asking with
-- the first validators forever would download the whole document again on every run.
with latest as (
    select unit_code, sha256, etag, last_modified
    from raw.submission
    where year = $year
    qualify row_number() over (partition by unit_code order by version desc) = 1
),
downloads as (
    select unit_code, sha256, etag, last_modified
    from raw.fetch_attempt
    where year = $year and outcome = 'ok'
    qualify row_number() over (partition by unit_code, sha256 order by started_at desc, attempt_id desc) = 1
),
final as (
    select l.unit_code, l.sha256,
           case when d.sha256 is null then l.etag else d.etag end as etag,
           case when d.sha256 is null then l.last_modified else d.last_modified end as last_modified
    from latest l
    left join downloads d using (unit_code, sha256)
)
select * from final;
