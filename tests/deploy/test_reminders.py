"""The reminders deployment runs daily in the campaign; the flow acts only on juesuan.toml's dates."""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = pytest.mark.prefect

CONFIG = """
[paths]
registry = "units.csv"
warehouse = "warehouse.duckdb"

[campaign.2024]
open = 2025-06-01
deadline = 2025-09-30
publication = 2025-10-31
reminders = [2025-09-01, 2025-09-20]
"""


@pytest.fixture
def config(tmp_path):
    (tmp_path / "units.csv").write_text(
        "unit_code,unit_name,parent_code,unit_type,source,contact_email\n", encoding="utf-8")
    path = tmp_path / "juesuan.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_nothing_happens_between_reminder_dates(config, prefect_harness):
    from flows.reminders import reminders

    result = reminders(year=2024, config=str(config), today=date(2025, 9, 2))
    assert result["sent"] is False
    assert not (config.parent / "warehouse.duckdb").exists()  # not even opened


@pytest.mark.parametrize("day", [date(2025, 9, 1), date(2025, 9, 20), date(2025, 10, 1)])
def test_reminder_dates_and_the_day_after_the_deadline_send(config, prefect_harness, day):
    from flows.reminders import reminders

    result = reminders(year=2024, config=str(config), today=day)
    assert result["sent"] is True
    assert result["bureau_failed"] == 0
