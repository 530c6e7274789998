-- DQ-08 the year the document states is the campaign year it was submitted for
with subs as (
    select unit_code, year, sha256, stated_year
    from staging.current_submission where parse_status = 'parsed' and stated_year is not null
),
final as (
    select unit_code, year, sha256, stated_year::decimal(18, 6) as observed, year::decimal(18, 6) as expected,
           (stated_year - year)::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '文件所述年度与报送年度不一致' as detail, '' as figure_keys
    from subs where stated_year <> year
)
select * from final
