-- The verdicts of run $run_id on the documents of units $lo..$hi of $year into dq.result
-- (expectations/runner.py): the rule × document pairs with findings as judged in Python
-- (`incoming_result`), every other pair as the plan of the document's combo says (dq_facts.plan),
-- at the rule's severity (dq_facts.rule). Those rows carry no evidence ('{}'): there are no
-- findings to show, and the figures a rule reads stay in staging.figure instead of being copied
-- into every passing row. A verdict that did not change only takes the new run id (an update in
-- place, where deleting and re-inserting the row would rewrite its key in the primary-key index),
-- a changed one is rewritten, a new one inserted.
merge into dq.result as t
using (
    with documents as (
        select unit_code, sha256, combo from dq_facts.scope where unit_code between $lo and $hi
    ),
    planned as (
        select
            d.unit_code, $year::integer as year, d.sha256, p.rule_id, r.severity, p.status,
            null::decimal(18, 6) as observed, null::decimal(18, 6) as expected, null::decimal(18, 6) as difference,
            null::decimal(18, 6) as tolerance, p.message, '{}'::json as evidence, null::varchar as explanation
        from documents as d
        join dq_facts.plan as p using (combo)
        join dq_facts.rule as r using (rule_id)
        anti join dq_facts.finding as f using (rule_id, unit_code, sha256)
    ),
    judged as (
        select
            unit_code, year, sha256, rule_id, severity, status, observed, expected, difference, tolerance, message,
            evidence::json as evidence, explanation
        from incoming_result
    )
    select * from planned
    union all
    select * from judged
) as s
on t.unit_code = s.unit_code and t.year = s.year and t.sha256 = s.sha256 and t.rule_id = s.rule_id
when matched and (
    (t.severity, t.status, t.observed, t.expected, t.difference, t.tolerance, t.message, t.evidence::varchar,
     t.explanation)
    is distinct from
    (s.severity, s.status, s.observed, s.expected, s.difference, s.tolerance, s.message, s.evidence::varchar,
     s.explanation)
) then update set
    run_id = $run_id, severity = s.severity, status = s.status, observed = s.observed, expected = s.expected,
    difference = s.difference, tolerance = s.tolerance, message = s.message, evidence = s.evidence,
    explanation = s.explanation
when matched then update set run_id = $run_id
when not matched then insert values (
    s.unit_code, s.year, s.sha256, s.rule_id, $run_id, s.severity, s.status, s.observed, s.expected, s.difference,
    s.tolerance, s.message, s.evidence, s.explanation
)
