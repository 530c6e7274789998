"""Synthetic sample district: budget units, their true figures, and their 决算公开说明 documents.

Used by ``juesuan demo`` (a bundled district served over local HTTP), by the tests (parse
round-trips, rule fault detection) and by the benchmark (100 000 units), so it is deterministic
for a seed and fast (plain string building; no templating engine on the hot path).

Map of the package:

- :mod:`.model` — :class:`SyntheticUnit` (one registry row plus what its document states:
  ``figures``, ``changes``; and which rules it breaks on purpose: ``faults``), the perf-table
  shapes, the fault families, formats and encodings.
- :mod:`.district` — :func:`make_district` (names, codes ``JJ001`` …, parent hierarchy, unit types,
  figures, faults, missing units, formats, encodings, real documents), :func:`render_text`,
  :func:`render` and :func:`write_district` (``files/{year}/{unit_code}.{ext}``, ``units.csv``,
  ``truth.json``).
- :mod:`.figures` — the numbers: drawn, made consistent, then broken on purpose.
- :mod:`.names` — the district's units (江津区 departments, 街道/镇, schools, hospitals, centres).
- :mod:`.narrative` — the three wording families; :mod:`.formats` — text, HTML page, DOCX.

Figures. Every amount is drawn as whole 分 of 万元 (integers, so sums are exact and never touch
float), then turned into :class:`~decimal.Decimal` 万元 with two places. Totals are built from their
parts, so for a fault-free unit these hold to the cent (RULES.md §1.3)::

    income_total = expenditure_total
    income_total = income_this_year + use_of_non_fiscal_balance + carry_over_begin
    expenditure_total = expenditure_this_year + carry_over_end
    income_this_year = general_budget + gov_fund + state_capital + business + operating + other
    fiscal_appropriation_income = general_budget + gov_fund + state_capital
    expenditure_this_year = basic + project;  basic = personnel + public
    three_public_total = outbound_travel + vehicle_purchase + vehicle_operation + official_reception
    procurement_total = goods + works + services;  small_micro <= sme <= total
    operating_expense <= public_expense (行政 / 参公 only; 事业 units state none)
    amount > 0 ⇔ its counts ≥ 1 (人次 ≥ 批次); vehicles_held <= vehicles_count

Ratios (shares, 人均接待费, 中小企业占比, YoY %) are computed in Decimal from the stated amounts and
rounded ROUND_HALF_UP; two shares that should make 100 may show 100.01 (a rounding tail).
``changes[key] = (change, pct)``: change = this − last year (signed 万元), pct = change / last year
× 100 (signed, 1 or 2 places as the template writes it), None when last year was 0. Keys:
income_total and expenditure_total (one clause states both: "收支总计较上年增加…"), income_this_year,
expenditure_this_year, three_public_total, operating_expense.

``figures`` holds exactly the keys the document states (every template states the same set; a 事业
unit states no operating_expense; a unit without procurement states only procurement_total = 0).

Rounding tails. About 6 % of fault-free units carry a deliberate 0.01 tail in one identity, listed
in ``tails`` by rule id (DQ-09 本年收入合计 vs its parts, DQ-29 三公 total vs parts, DQ-35 采购 total
vs parts). A tail is not a fault: a correct check passes it (RULES.md §5).

Faults. About ``fault_rate`` of the submitting units break one rule family on purpose; ``figures``
always hold what the document *states*, so a parse round-trip compares against the stated values
and the checks find the break in them. Every other identity still holds for a faulty unit:

- DQ-10: 收入总计 stated off by a clear amount (320.00, 100.00, 50.00, 123.45 or 1000.00): 收入总计
  ≠ 支出总计 and ≠ 本年收入 + 结余 + 年初结转. (Such a unit states no YoY change of its totals.)
- DQ-25: 人员经费 stated 1 … 30 万元 off, so 基本支出 ≠ 人员经费 + 公用经费.
- DQ-29: "三公" total stated 0.50 … 5.00 above or below the sum of its four parts.
- DQ-34 + DQ-39: 项目支出占比 wrong by 0.5 … 5 points (the 84.06% + 19.62% case): the shares do
  not add to 100 and one does not recompute.
- DQ-35: 政府采购 total 1 … 50 万元 above 货物 + 工程 + 服务 (the 中小企业 shares are computed on the
  stated total, so only the sum breaks).
- DQ-40: the YoY % of 本年支出合计 stated a tenth of the true rate (0.16% for 1.63%).
- DQ-31: 公务接待费 > 0 but 0 批次 (人次 and 人均接待费 stay consistent).
"""

from tasks.synth.district import iter_documents, make_district, render, render_text, write_district
from tasks.synth.model import (
    ENCODINGS,
    FAULT_FAMILIES,
    FORMATS,
    TEMPLATES,
    SyntheticUnit,
    SynthIndicator,
    SynthProject,
)

__all__ = [
    "ENCODINGS",
    "FAULT_FAMILIES",
    "FORMATS",
    "TEMPLATES",
    "SynthIndicator",
    "SynthProject",
    "SyntheticUnit",
    "iter_documents",
    "make_district",
    "render",
    "render_text",
    "write_district",
]
