-- DQ-08 the document is about the unit and the campaign year it was submitted for (stated year and unit name)
with subs as (
    select s.unit_code, s.year, s.sha256, s.stated_year, s.stated_unit_name, u.unit_name as registered_name
    from staging.current_submission s
    -- no registry entry (a single file checked alone): only the year can be compared
    left join core.unit u using (unit_code)
    where s.parse_status = 'parsed'
),
-- names compared leniently: bracketed parts ("（本级）", "(机关)") and all blanks dropped
names as (
    select *,
           regexp_replace(regexp_replace(stated_unit_name, '[（(［\[【〔][^）)］\]】〕]*[）)］\]】〕]', '', 'g'),
                          '[\s\pZ]+', '', 'g') as stated_norm,
           regexp_replace(regexp_replace(registered_name, '[（(［\[【〔][^）)］\]】〕]*[）)］\]】〕]', '', 'g'),
                          '[\s\pZ]+', '', 'g') as registered_norm
    from subs
),
wrong_year as (
    select unit_code, year, sha256, stated_year::decimal(18, 6) as observed, year::decimal(18, 6) as expected,
           (stated_year - year)::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '文件所述年度与报送年度不一致:文件为' || stated_year || '年度,报送年度为' || year as detail,
           '' as figure_keys
    from names where stated_year is not null and stated_year <> year
),
wrong_unit as (
    select unit_code, year, sha256, null::decimal(18, 6) as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '文件所述单位与报送单位不一致:文件为“' || stated_unit_name || '”,报送单位为“' || registered_name || '”'
               as detail,
           '' as figure_keys
    from names
    where stated_norm <> '' and registered_norm <> ''
      and not contains(stated_norm, registered_norm) and not contains(registered_norm, stated_norm)
),
final as (
    select * from wrong_year
    union all
    select * from wrong_unit
)
select * from final
