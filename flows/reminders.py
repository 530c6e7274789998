"""The reminders flow: on the campaign's reminder dates, chase the units that have not submitted or
whose document still fails an error rule, and send the bureau its summary.

It is scheduled daily during the campaign (deploy/prefect.yaml) and acts only on the dates listed
in juesuan.toml (``[campaign.Y] reminders``, and the day after the deadline), so the dates live in
one place. Sending, and never sending the same notice twice, is :func:`tasks.alert.send_alerts`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from prefect import flow

from tasks import steps
from tasks.config import load_settings
from tasks.runners import writer_slot

BUREAU_TZ = ZoneInfo("Asia/Shanghai")


@flow(name="reminders")
def reminders(year: int, config: str = "juesuan.toml", today: date | None = None, force: bool = False) -> dict:
    from tasks.alert import send_alerts

    settings = load_settings(config)
    campaign = settings.campaign(year)
    today = today or datetime.now(BUREAU_TZ).date()
    if campaign is None:
        return {"year": year, "sent": False, "reason": f"no [campaign.{year}] in {config}"}
    due = {*campaign.reminders, campaign.deadline + timedelta(days=1)}
    if today not in due and not force:
        return {"year": year, "sent": False, "reason": f"{today} is not a reminder date"}
    with writer_slot(settings.warehouse) as con:  # deliveries are recorded in dq.alert
        summary = send_alerts(con, settings, year, steps.new_run_id("remind", year), today)
    return {"year": year, "sent": True, **summary.brief()}
