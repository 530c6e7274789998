-- Project performance self-evaluation per year over the published units: projects, funds,
-- execution, scores, and the grade distribution by score band (优 [90,100], 良 [80,90),
-- 中 [60,80), 差 [0,60); the band follows the score, not the grade a document wrote).
with published as (
    select year, unit_code, sha256, perf_projects_count, perf_projects_funds
    from marts.base_unit_year
    where published
),

projects as (
    select
        pub.year,
        pub.unit_code,
        p.total_score,
        round(p.initial_budget, 2)::decimal(18, 2) as initial_budget,
        round(p.adjusted_budget, 2)::decimal(18, 2) as adjusted_budget,
        round(p.executed, 2)::decimal(18, 2) as executed,
        case
            when p.total_score between 90 and 100 then '优'
            when p.total_score >= 80 and p.total_score < 90 then '良'
            when p.total_score >= 60 and p.total_score < 80 then '中'
            when p.total_score >= 0 and p.total_score < 60 then '差'
        end as score_grade
    from staging.perf_project as p
    inner join published as pub using (sha256)
),

stated as (
    select
        year,
        sum(perf_projects_count)::bigint as stated_projects,
        sum(perf_projects_funds)::decimal(18, 2) as stated_funds
    from published
    group by year
),

tabled as (
    select
        year,
        count(distinct unit_code) as units_with_projects,
        count(*) as projects,
        sum(initial_budget)::decimal(18, 2) as initial_budget,
        sum(adjusted_budget)::decimal(18, 2) as adjusted_budget,
        sum(executed)::decimal(18, 2) as executed,
        round(((sum(total_score) * 1000)::hugeint // nullif(count(total_score), 0)) * 0.001, 2)
            ::decimal(9, 2) as avg_score,
        min(total_score)::decimal(9, 2) as min_score,
        max(total_score)::decimal(9, 2) as max_score,
        count(*) filter (where score_grade = '优') as grade_excellent,
        count(*) filter (where score_grade = '良') as grade_good,
        count(*) filter (where score_grade = '中') as grade_fair,
        count(*) filter (where score_grade = '差') as grade_poor,
        count(*) filter (where score_grade is null) as ungraded
    from projects
    group by year
),

years as (
    select distinct year from marts.base_unit_year
),

final as (
    select
        y.year,
        coalesce(s.stated_projects, 0) as stated_projects,
        s.stated_funds,
        coalesce(t.units_with_projects, 0) as units_with_projects,
        coalesce(t.projects, 0) as projects,
        t.initial_budget,
        t.adjusted_budget,
        t.executed,
        pct_exact(t.executed, t.adjusted_budget)::decimal(9, 2) as exec_rate_pct,
        t.avg_score,
        t.min_score,
        t.max_score,
        coalesce(t.grade_excellent, 0) as grade_excellent,
        coalesce(t.grade_good, 0) as grade_good,
        coalesce(t.grade_fair, 0) as grade_fair,
        coalesce(t.grade_poor, 0) as grade_poor,
        coalesce(t.ungraded, 0) as ungraded
    from years as y
    left join stated as s using (year)
    left join tabled as t using (year)
)

select * from final
