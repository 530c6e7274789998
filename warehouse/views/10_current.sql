-- The newest parsed version of each unit's submission for each year, and its figures.
create or replace view staging.current_submission as
with ranked as (
    select
        s.unit_code, s.year, s.version, s.sha256, s.fetched_at, s.source_url,
        r.status as parse_status, r.error as parse_error, r.unit_name as stated_unit_name,
        r.year as stated_year, r.format, r.tables, r.warnings,
        row_number() over (partition by s.unit_code, s.year order by s.version desc) as rn
    from raw.submission s
    left join staging.report r using (sha256)
),
final as (
    select * exclude (rn) from ranked where rn = 1
)
select * from final;

create or replace view staging.current_figure as
with final as (
    select c.unit_code, c.year, f.*
    from staging.current_submission c
    join staging.figure f using (sha256)
)
select * from final;
