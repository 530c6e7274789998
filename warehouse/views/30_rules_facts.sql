-- Helpers for the rule catalogue (expectations/): tolerance macros beyond 00_macros.sql, the facts
-- a rule may require, and figures joined with their unit so rules stay short.

-- Two displayed values that should be equal, widened when one was stated more coarsely (0.5亿元).
create or replace macro tol_eq(p1, p2) as
    greatest(tol_equal(), (coalesce(p1, 0.01) + coalesce(p2, 0.01)) / 2);
-- A total against n displayed parts whose precisions add up to psum.
create or replace macro tol_sum_p(n, psum) as greatest(tol_sum(n), coalesce(psum, 0) / 2);
-- Shares that should total 100 (RULES.md §5): 0.005·k + 0.01 at two decimals, half of each
-- share's displayed unit in general.
create or replace macro tol_shares(psum) as coalesce(psum, 0) / 2 + 0.01;
-- The distance from the recomputed value to the interval bound on the stated value's side, so
-- that |stated − mid| > tol exactly when the stated value is outside [low, high].
create or replace macro tol_interval(stated, mid, low, high) as
    case when stated >= mid then high - mid else mid - low end;
-- A reason clause with real text after it ("主要原因是…", "原因为…", "由于…", and the Guangdong /
-- Shenzhen template's "…大于上年决算数的主要情况:…"). Same pattern as expectations/evidence.py.
create or replace macro reason_text(s) as
    nullif(regexp_extract(s, '(主要原因|原因是|原因为|原因:|原因：|由于|的主要情况[:：])[是为:：,，\s]*([^。；;]{4,})', 2), '');

-- Figures of current, parsed submissions; the one place rules read staging.figure from.
create or replace view staging.rule_figure as
with final as (
    select f.unit_code, f.year, f.sha256, f.seq, f.key, f.kind, f.value, f.measure, f.precision,
           f.snippet, f.span_start, f.span_end, f.source
    from staging.current_figure f
    join staging.current_submission c using (unit_code, year, sha256)
    where c.parse_status = 'parsed'
)
select * from final;

-- Table cells (source 'table:<T0x>:<row label>:<column label>') split into their parts.
create or replace view staging.rule_cell as
with final as (
    select *, split_part(source, ':', 2) as table_id, split_part(source, ':', 3) as row_label,
           split_part(source, ':', 4) as col_label
    from staging.rule_figure
    where source like 'table:%'
)
select * from final;

-- The facts a rule's `requires` may name: a key stated as a value ("income_total"), a key with a
-- kind ("income_total@change"), a table with cells ("table:T01"), a table the parser found
-- ("listed:T01"), any statement of a kind ("any@change"), whether the warehouse holds the unit's
-- previous year ("prior_year"), whether sections or self-evaluation tables were parsed, and whether
-- the document states its year ("stated_year") or a unit name the registry can be compared with
-- ("stated_unit").
create or replace view staging.unit_fact as
with subs as (
    select unit_code, year, sha256, tables, stated_year, stated_unit_name
    from staging.current_submission where parse_status = 'parsed'
),
facts as (
    select unit_code, year, sha256, case when kind = 'value' then key else key || '@' || kind end as token
    from staging.rule_figure
    union all
    select unit_code, year, sha256, 'any@' || kind from staging.rule_figure where kind <> 'value'
    union all
    select unit_code, year, sha256, 'any_count' from staging.rule_figure where measure = 'count'
    union all
    select s.unit_code, s.year, s.sha256, 'prior_year' from subs s
    where exists (select 1 from staging.current_submission p
                  where p.unit_code = s.unit_code and p.year = s.year - 1 and p.parse_status = 'parsed')
    union all
    select unit_code, year, sha256, 'table:' || table_id from staging.rule_cell
    union all
    select unit_code, year, sha256, 'listed:' || unnest(tables) from subs where tables is not null
    union all
    select s.unit_code, s.year, s.sha256, 'sections' from subs s join staging.section x using (sha256)
    union all
    select s.unit_code, s.year, s.sha256, 'perf_project' from subs s join staging.perf_project p using (sha256)
    union all
    select s.unit_code, s.year, s.sha256, 'perf_indicator' from subs s join staging.perf_indicator p using (sha256)
    union all
    select s.unit_code, s.year, s.sha256, 'perf_grade' from subs s join staging.perf_project p using (sha256)
    where p.grade is not null and p.total_score is not null
    union all
    select unit_code, year, sha256, 'document' from subs
    union all
    -- the campaign requires tables (no campaign row: a single file checked against the standard nine)
    select s.unit_code, s.year, s.sha256, 'required_tables' from subs s
    left join meta.campaign c on c.year = s.year
    where c.year is null or len(c.required_tables) > 0
    union all
    select unit_code, year, sha256, 'stated_year' from subs where stated_year is not null
    union all
    -- a stated unit name that can be compared with the registry's
    select s.unit_code, s.year, s.sha256, 'stated_unit' from subs s join core.unit u using (unit_code)
    where s.stated_unit_name is not null and u.unit_name is not null
),
final as (
    select distinct unit_code, year, sha256, token from facts
)
select * from final;

-- Year-over-year statements: each stated change with the value it belongs to, the percentage
-- stated right after it (same key, within 80 characters) and any stated last-year value.
create or replace view staging.rule_yoy as
with changes as (
    select * from staging.rule_figure where kind = 'change'
),
pcts as (
    select * from staging.rule_figure where kind = 'change_pct'
),
vals as (
    select * from staging.rule_figure where kind = 'value'
),
paired as (
    select
        c.unit_code, c.year, c.sha256, c.key, c.seq as change_seq, c.snippet, c.span_start,
        c.value as change, c.precision as change_prec, c.measure,
        (select arg_min(v.value, abs(v.span_start - c.span_start)) from vals v
          where v.sha256 = c.sha256 and v.key = c.key and v.span_start <= c.span_start) as this_value,
        (select arg_min(v.precision, abs(v.span_start - c.span_start)) from vals v
          where v.sha256 = c.sha256 and v.key = c.key and v.span_start <= c.span_start) as this_prec,
        (select arg_min(p.value, p.span_start) from pcts p
          where p.sha256 = c.sha256 and p.key = c.key and p.span_start >= c.span_start
            and p.span_start - c.span_start <= 80) as pct,
        (select arg_min(p.precision, p.span_start) from pcts p
          where p.sha256 = c.sha256 and p.key = c.key and p.span_start >= c.span_start
            and p.span_start - c.span_start <= 80) as pct_prec,
        (select arg_min(p.value, abs(p.span_start - c.span_start)) from staging.rule_figure p
          where p.sha256 = c.sha256 and p.key = c.key and p.kind = 'prev') as prev_stated,
        (select arg_min(p.precision, abs(p.span_start - c.span_start)) from staging.rule_figure p
          where p.sha256 = c.sha256 and p.key = c.key and p.kind = 'prev') as prev_stated_prec
    from changes c
),
final as (
    select *, this_value - change as prev_derived from paired
)
select * from final;

-- A stated number for rule messages: 0.940000 → 0.94, 17.000000 → 17.
create or replace macro num_text(x) as
    case when x is null then '—' when x::varchar like '%.%' then rtrim(rtrim(x::varchar, '0'), '.')
         else x::varchar end;

-- The displayed unit of a number whose text is gone (scores, rates stored as DECIMAL(9,2)):
-- 100 → 1, 99.5 → 0.1, 99.97 → 0.01. Lenient by construction: "100.00" reads as 1.
create or replace macro shown_prec(x) as
    case when x = round(x) then 1 when x = round(x, 1) then 0.1 else 0.01 end;

-- Self-evaluation projects and indicators of current, parsed submissions, with their unit.
create or replace view staging.rule_perf_project as
with final as (
    select c.unit_code, c.year, p.*
    from staging.current_submission c join staging.perf_project p using (sha256)
    where c.parse_status = 'parsed'
)
select * from final;

create or replace view staging.rule_perf_indicator as
with final as (
    select c.unit_code, c.year, i.*, p.name as project_name
    from staging.current_submission c
    join staging.perf_indicator i using (sha256)
    join staging.perf_project p using (sha256, project_no)
    where c.parse_status = 'parsed'
)
select * from final;
