-- New versions from the fetched frame `incoming` (unit_code, year, sha256, fetched_at, url, etag,
-- last_modified): only where the bytes differ from the unit's newest version.
insert into raw.submission
with latest as (
    select unit_code, year, max(version) as version, arg_max(sha256, version) as sha256
    from raw.submission group by unit_code, year
),
final as (
    select i.unit_code, i.year, coalesce(l.version, 0) + 1 as version, i.sha256, i.fetched_at,
           i.url as source_url, i.etag, i.last_modified
    from incoming i
    left join latest l using (unit_code, year)
    where l.sha256 is distinct from i.sha256
)
select * from final;
