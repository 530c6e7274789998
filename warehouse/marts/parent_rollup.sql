-- 汇总 by the registry's hierarchy: each unit's row covers itself and all its descendants, counting
-- only published units' figures. UNION (not UNION ALL) in the recursion keeps a parent_code cycle in
-- the registry from looping forever.
with recursive subtree as (
    select unit_code as ancestor_code, unit_code
    from core.unit
    union
    select s.ancestor_code, u.unit_code
    from subtree as s
    inner join core.unit as u on u.parent_code = s.unit_code
),

base as (
    select * from marts.base_unit_year
),

ancestors as (
    select unit_code, count(*) - 1 as depth from subtree group by unit_code
),

descendants as (
    select ancestor_code as unit_code, count(*) - 1 as descendants from subtree group by ancestor_code
),

rolled as (
    select
        b.year,
        s.ancestor_code as unit_code,
        count(*) as units_in_scope,
        count(*) filter (where b.published) as units_published,
        count(*) filter (where not b.published) as units_excluded,
        sum(b.income_total) filter (where b.published)::decimal(18, 2) as income_total,
        sum(b.expenditure_total) filter (where b.published)::decimal(18, 2) as expenditure_total,
        sum(b.basic_expenditure) filter (where b.published)::decimal(18, 2) as basic_expenditure,
        sum(b.project_expenditure) filter (where b.published)::decimal(18, 2) as project_expenditure,
        sum(b.fiscal_appropriation_income) filter (where b.published)::decimal(18, 2)
            as fiscal_appropriation_income,
        sum(b.three_public_total) filter (where b.published)::decimal(18, 2) as three_public_total,
        sum(b.meeting_fee) filter (where b.published)::decimal(18, 2) as meeting_fee,
        sum(b.training_fee) filter (where b.published)::decimal(18, 2) as training_fee,
        sum(b.operating_expense) filter (where b.published)::decimal(18, 2) as operating_expense,
        sum(b.procurement_total) filter (where b.published)::decimal(18, 2) as procurement_total
    from subtree as s
    inner join base as b on b.unit_code = s.unit_code
    group by b.year, s.ancestor_code
),

final as (
    select
        r.year,
        r.unit_code,
        u.unit_name,
        u.parent_code,
        u.unit_type,
        a.depth,
        d.descendants,
        r.units_in_scope,
        r.units_published,
        r.units_excluded,
        r.income_total,
        r.expenditure_total,
        r.basic_expenditure,
        r.project_expenditure,
        r.fiscal_appropriation_income,
        r.three_public_total,
        r.meeting_fee,
        r.training_fee,
        r.operating_expense,
        r.procurement_total
    from rolled as r
    inner join core.unit as u using (unit_code)
    inner join ancestors as a using (unit_code)
    inner join descendants as d using (unit_code)
)

select * from final
