-- DQ-05 mandatory narrative sections present, and top-level section numbering has no gaps
with sections as (
    select c.unit_code, c.year, c.sha256, s.seq, s.title, s.level, s.span_start,
           coalesce(s.section_id, '') as section_id
    from staging.current_submission c
    join staging.section s using (sha256)
    where c.parse_status = 'parsed'
),
doc as (
    select unit_code, year, sha256, string_agg(title || ' ' || section_id, ' | ') as titles
    from sections group by all
),
-- each pattern a constant, so DuckDB compiles each regular expression once, not once per document
checked as (
    select unit_code, year, sha256, [
        case when not regexp_matches(titles, '基本情况|概况|职能|机构') then '单位基本情况(职能职责/机构设置)' end,
        case when not regexp_matches(titles, '收支|收入支出|总体情况') then '收支总体情况' end,
        case when not regexp_matches(titles, '财政拨款') then '财政拨款收支情况' end,
        case when not regexp_matches(titles, '一般公共预算') then '一般公共预算财政拨款支出情况' end,
        case when not regexp_matches(titles, '基本支出') then '基本支出情况' end,
        case when not regexp_matches(titles, '三公|sangong') then '“三公”经费情况' end,
        case when not regexp_matches(titles, '政府性基金') then '政府性基金预算情况' end,
        case when not regexp_matches(titles, '国有资本经营') then '国有资本经营预算情况' end,
        case when not regexp_matches(titles, '机关运行经费') then '机关运行经费情况' end,
        case when not regexp_matches(titles, '政府采购|procurement') then '政府采购情况' end,
        case when not regexp_matches(titles, '国有资产|资产占用') then '国有资产占用情况' end,
        case when not regexp_matches(titles, '绩效') then '预算绩效情况' end,
        case when not regexp_matches(titles, '名词解释') then '专业名词解释' end
    ] as items
    from doc
),
missing as (
    select unit_code, year, sha256, '缺少章节:' || item as detail
    from (select unit_code, year, sha256, unnest(items) as item from checked)
    where item is not null
),
numbered as (
    select *, list_position(['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二',
                             '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十'],
                            regexp_extract(title, '^\s*([一二三四五六七八九十]+)\s*[、.．]', 1)) as n
    from sections
),
ordered as (
    select *, lag(n) over (partition by sha256 order by span_start, seq) as prev_n,
              lag(title) over (partition by sha256 order by span_start, seq) as prev_title
    from numbered where n is not null
),
gaps as (
    -- a new part may restart at 一 and web pages repeat headings; anything else must be the next number
    select unit_code, year, sha256,
           '章节编号不连续:“' || prev_title || '”之后为“' || title || '”' as detail
    from ordered where prev_n is not null and n <> 1 and n <> prev_n + 1 and n <> prev_n
),
final as (
    select unit_code, year, sha256, null::decimal(18, 6) as observed, null::decimal(18, 6) as expected,
           null::decimal(18, 6) as difference, 0::decimal(18, 6) as tolerance, detail, '' as figure_keys
    from (select * from missing union all select * from gaps)
)
select * from final
