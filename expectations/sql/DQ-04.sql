-- DQ-04 the basic-expenditure table T06 shows economic classes at 款 level (5-digit codes 301xx…)
with t06 as (
    select unit_code, year, sha256,
           count(*) filter (where regexp_matches(row_label, '^\s*3\d\d\d\d(\D|$)')) as kuan_rows
    from staging.rule_cell where table_id = 'T06'
    group by all
),
final as (
    select unit_code, year, sha256,
           kuan_rows::decimal(18, 6) as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance,
           '基本支出决算表未按经济分类公开到款级(无5位经济科目编码)' as detail, '' as figure_keys
    from t06 where kuan_rows = 0
)
select * from final
