-- Table arithmetic several rules share: the figures are worked out here once, and each rule file
-- keeps only which table it checks and how its message words a failure. The views are listed in
-- expectations/facts.py (VIEWS), so a run reads them materialised like the other rule views.

-- T01 (收入支出决算总表) lines side by side, one row per document: the lines the T01 identities
-- (DQ-11, DQ-13) and the tie-outs of other tables to T01 (DQ-15, DQ-17) compare.
create or replace view staging.rule_t01 as
with t01 as (
    select * from staging.rule_cell where table_id = 'T01'
),
final as (
    select
        unit_code, year, sha256,
        min(value) filter (where key = 'income_this_year') as income_this_year,
        min(precision) filter (where key = 'income_this_year') as income_this_year__prec,
        min(value) filter (where key = 'use_of_non_fiscal_balance') as use_of_non_fiscal_balance,
        min(value) filter (where key = 'carry_over_begin') as carry_over_begin,
        min(value) filter (where key = 'expenditure_this_year') as expenditure_this_year,
        min(precision) filter (where key = 'expenditure_this_year') as expenditure_this_year__prec,
        -- 结余分配 has no canonical key: found by its row label
        min(value) filter (where row_label like '%结余分配%') as distribution,
        min(value) filter (where key = 'carry_over_end') as carry_over_end,
        min(value) filter (where key = 'expenditure_total') as expenditure_total
    from t01
    group by unit_code, year, sha256
)
select * from final;

-- The 合计 (or 总计) row of each table: its 合计 column, the figure a table's total row states.
create or replace view staging.rule_total_row as
with final as (
    select unit_code, year, sha256, table_id, min(value) as total, min(precision) as prec
    from staging.rule_cell
    where regexp_matches(row_label, '^\s*(合计|总计)') and regexp_matches(col_label, '合计')
    group by unit_code, year, sha256, table_id
)
select * from final;

-- Tables whose every row adds across (DQ-14 T02, DQ-16 T03, DQ-23 T05): the row's total column
-- against the sum of its other columns, code, name and budget columns aside.
create or replace view staging.rule_row_sum as
with totals(table_id, total_label) as (
    -- the label of the column holding a row's total; in T05 a 小计 column counts as one too
    values ('T02', '合计'), ('T03', '合计'), ('T05', '小计|合计')
),
cells as (
    select c.*, regexp_matches(c.col_label, t.total_label) as is_total
    from staging.rule_cell as c
    join totals as t using (table_id)
    where not regexp_matches(c.col_label, '编码|名称|科目|预算')
),
rows_ as (
    select unit_code, year, sha256, table_id, row_label,
           min(value) filter (where is_total) as total,
           sum(value) filter (where not is_total) as parts,
           count(*) filter (where not is_total) as n,
           sum(precision) as psum
    from cells
    group by unit_code, year, sha256, table_id, row_label
),
final as (
    select unit_code, year, sha256, table_id, row_label, total as observed, parts as expected,
           total - parts as difference, tol_sum_p(n, psum) as tolerance
    from rows_
    where total is not null and n > 0
)
select * from final;

-- Classification codes that nest (DQ-18 functional, DQ-26 economic): each 3- or 5-digit code's
-- cell against the sum of its next level down (5 or 7 digits) in the same column.
create or replace view staging.rule_code_nest as
with cells as (
    select unit_code, year, sha256, table_id, col_label, value, precision,
           regexp_extract(row_label, '^\s*(\d+)', 1) as code
    from staging.rule_cell
    where not regexp_matches(col_label, '编码|名称|科目')
),
coded as (
    select * from cells where length(code) in (3, 5, 7)
),
parents as (
    select p.unit_code, p.year, p.sha256, p.table_id, p.col_label, p.code, p.value,
           sum(c.value) as children, count(*) as n, sum(c.precision) + min(p.precision) as psum
    from coded as p
    join coded as c on c.sha256 = p.sha256 and c.table_id = p.table_id and c.col_label = p.col_label
        and starts_with(c.code, p.code)
        -- the next level down only: 3 → 5 digits, 5 → 7 digits
        and length(c.code) = length(p.code) + 2
    group by all
),
final as (
    select unit_code, year, sha256, table_id, col_label, code, value as observed, children as expected,
           value - children as difference, tol_sum_p(n, psum) as tolerance
    from parents
)
select * from final;
