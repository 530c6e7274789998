-- New versions from the fetched frame `incoming` (unit_code, year, sha256, fetched_at, url, etag,
-- last_modified): only where the bytes differ from the unit's newest version. `latest` reads only
-- the incoming units' versions: grouping the whole table once per batch made a province's load
-- quadratic (200 batches × 100 000 submissions).
insert into raw.submission
with latest as (
    select s.unit_code, s.year, max(s.version) as version, arg_max(s.sha256, s.version) as sha256
    from raw.submission s
    semi join incoming i on s.unit_code = i.unit_code and s.year = i.year
    group by s.unit_code, s.year
),
final as (
    select i.unit_code, i.year, coalesce(l.version, 0) + 1 as version, i.sha256, i.fetched_at,
           i.url as source_url, i.etag, i.last_modified
    from incoming i
    left join latest l using (unit_code, year)
    where l.sha256 is distinct from i.sha256
)
select * from final;
