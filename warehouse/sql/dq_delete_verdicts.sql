-- Earlier verdicts of $year for the units $lo..$hi that this run does not rewrite
-- (expectations/runner.py): those about another document than the unit's current one, and those
-- of rules no longer in the catalogue.
delete from dq.result as t
where t.year = $year and t.unit_code between $lo and $hi
    and t.unit_code in (select unit_code from dq_facts.scope where unit_code between $lo and $hi)
    and (
        not exists (select 1 from dq_facts.scope as s where s.unit_code = t.unit_code and s.sha256 = t.sha256)
        or t.rule_id not in (select rule_id from dq_facts.rule)
    )
