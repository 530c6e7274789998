"""Schedules are declared once, in deploy/prefect.yaml: `prefect deploy` accepts the file, and
`juesuan serve` builds its deployments from the very same entries."""

from __future__ import annotations

import yaml

from flows.serve import PREFECT_YAML, build_deployments, deployment_specs


def test_prefect_accepts_the_file_as_is():
    # `prefect deploy` skips (with only a yellow note) entries its schema rejects: validate with
    # the model it uses (pinned prefect, so this private import is stable for us)
    from prefect.cli.deploy._models import PrefectYamlModel

    raw = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    model = PrefectYamlModel.model_validate(raw)
    assert [d.name for d in model.deployments] == ["campaign", "yearly", "daily"]
    for d in model.deployments:
        assert d.work_pool.name == "juesuan-process"
        assert d.concurrency_limit.limit == 1 and d.concurrency_limit.collision_strategy == "ENQUEUE"
        assert {"year", "config"} <= set(d.parameters)


def test_serve_builds_what_the_file_declares():
    specs = {s["entrypoint"]: s for s in deployment_specs()}
    built = build_deployments(config="/srv/juesuan/juesuan.toml")
    assert {d.entrypoint for d in built} == set(specs)
    for d in built:
        spec = specs[d.entrypoint]
        assert d.name == spec["name"]
        assert d.parameters == {**spec["parameters"], "config": "/srv/juesuan/juesuan.toml"}
        assert d.concurrency_limit == 1
        assert d.concurrency_options.collision_strategy.value == "ENQUEUE"
        declared = [(s["cron"], s["timezone"], s["slug"]) for s in spec["schedules"]]
        assert [(s.schedule.cron, s.schedule.timezone, s.slug) for s in d.schedules] == declared


def test_every_schedule_is_in_beijing_time():
    for spec in deployment_specs():
        assert spec["schedules"], spec["name"]
        assert all(s["timezone"] == "Asia/Shanghai" for s in spec["schedules"])


def test_collection_runs_daily_in_the_campaign_and_monthly_otherwise():
    from prefect.client.schemas.schedules import CronSchedule

    (collection,) = [s for s in deployment_specs() if s["entrypoint"].startswith("flows/collect.py")]
    months: dict[int, int] = {}
    for item in collection["schedules"]:
        cron = CronSchedule(cron=item["cron"], timezone=item["timezone"])
        month_field = cron.cron.split()[3]
        for part in month_field.split(","):
            lo, _, hi = part.partition("-")
            for m in range(int(lo), int(hi or lo) + 1):
                months[m] = months.get(m, 0) + (1 if cron.cron.split()[2] == "*" else 100)
    # every month covered exactly once: daily (1) June–October, monthly (100) otherwise
    assert months == {m: 1 if 6 <= m <= 10 else 100 for m in range(1, 13)}
