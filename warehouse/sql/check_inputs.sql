-- One hash of everything the checks of $year and their reports read: the current documents of the
-- year and of the year before (year-on-year rules), which parser read them, the registered units
-- (type, name, parent), the waivers, the campaign's requirements, and the rules themselves. Equal to the last completed
-- collection's hash: the checks would rewrite the same verdicts, the reports the same pages.
with documents as (
    select string_agg(concat_ws('|', c.unit_code, c.year, c.sha256, c.parse_status, r.parser_version),
                      ';' order by c.unit_code, c.year) as listed
    from staging.current_submission c
    left join staging.report r using (sha256)
    where c.year in ($year, $year - 1)
),
units as (
    select string_agg(concat_ws('|', unit_code, unit_name, parent_code, unit_type), ';' order by unit_code) as listed
    from core.unit
),
waivers as (
    select string_agg(concat_ws('|', unit_code, rule_id, reason), ';' order by unit_code, rule_id) as listed
    from dq.waiver
    where year = $year
),
campaign as (
    select concat_ws('|', year, open_date, deadline, publication, array_to_string(required_tables, ',')) as listed
    from meta.campaign
    where year = $year
),
final as (
    select md5(concat_ws('#', $rules_version, (select listed from documents), (select listed from units),
                         (select listed from waivers), (select listed from campaign))) as inputs
)
select * from final;
