-- The documents a check run judges (expectations/runner.py): every current, parsed submission of
-- $year with its unit's type and the facts the catalogue's `requires` name ($facts). Those decide
-- what every rule without findings says about the document, so documents alike share a `combo`.
create or replace table dq_facts.scope as
with documents as (
    select s.unit_code, s.sha256, u.unit_type,
           coalesce(list(f.token order by f.token) filter (where f.token is not null), []) as facts
    from staging.current_submission as s
    left join core.unit as u using (unit_code)
    left join staging.unit_fact as f
        on f.unit_code = s.unit_code and f.year = s.year and f.sha256 = s.sha256 and list_contains($facts, f.token)
    where s.year = $year and s.parse_status = 'parsed'
    group by s.unit_code, s.sha256, u.unit_type
),
final as (
    select *, dense_rank() over (order by unit_type, facts) as combo from documents
)
select * from final
