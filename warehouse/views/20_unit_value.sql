-- One row per unit and year, one column per canonical key (DESIGN.md §3): the first statement of
-- each figure, with its displayed precision in <key>__prec. Rules read this; disagreeing later
-- statements stay in staging.figure for DQ-38. Each document's pivot is made once, when it is
-- loaded (staging.document_value, migration 005); a parsed document without value statements has
-- no pivot and shows nulls.
create or replace view staging.unit_value as
with final as (
    select c.unit_code, c.year, c.sha256, d.* exclude (sha256)
    from staging.current_submission c
    left join staging.document_value d using (sha256)
    where c.parse_status = 'parsed'
)
select * from final;
