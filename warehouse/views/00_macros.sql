-- Rounding tolerances of RULES.md §5, in one place so every rule uses the same ones.
-- Two displayed values that should be equal: 0.01 万元.
create or replace macro tol_equal() as 0.01;
-- A total against the sum of n displayed parts.
create or replace macro tol_sum(n) as greatest(0.01, 0.005 * (n + 1));
-- Interval arithmetic for a displayed percentage part/total*100: the lowest and highest ratio the
-- rounded inputs allow, widened by half a unit of the percentage's own displayed precision.
create or replace macro pct_low(part, part_prec, total, total_prec, pct_prec) as
    greatest(part - part_prec / 2, 0) / nullif(total + total_prec / 2, 0) * 100 - pct_prec / 2;
create or replace macro pct_high(part, part_prec, total, total_prec, pct_prec) as
    (part + part_prec / 2) / nullif(greatest(total - total_prec / 2, 0), 0) * 100 + pct_prec / 2;

-- A published percentage part / whole × 100 in exact DECIMAL, to 0.01 (null when whole is 0): integer
-- division truncates the ratio to 0.001 %, then round() goes half away from zero (through a double,
-- 4.225 % would come out as 4.22 %). The marts cast it to the DECIMAL they publish.
create or replace macro pct_exact(part, whole) as
    round(((part * 10000000)::hugeint // nullif((whole * 100)::hugeint, 0)) * 0.001, 2);
