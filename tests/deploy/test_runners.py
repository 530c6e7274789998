"""Choosing the task runner, and the one-writer slot."""

from __future__ import annotations

import os
import threading

import pytest

from tasks import runners


def test_thread_runner_by_default():
    from prefect.task_runners import ThreadPoolTaskRunner

    assert isinstance(runners.task_runner("thread"), ThreadPoolTaskRunner)


def test_dask_runner_connects_to_a_given_cluster():
    from prefect_dask import DaskTaskRunner

    runner = runners.task_runner("dask", dask_address="tcp://10.0.0.5:8786")
    assert isinstance(runner, DaskTaskRunner)
    assert runner.address == "tcp://10.0.0.5:8786"


def test_dask_runner_without_address_is_a_two_process_local_cluster(monkeypatch):
    monkeypatch.setattr(runners, "_api_url", lambda: "http://127.0.0.1:4200/api")
    runner = runners.task_runner("dask")
    assert runner.address is None
    assert runner.cluster_kwargs["n_workers"] == 2 and runner.cluster_kwargs["threads_per_worker"] == 1
    assert runner.cluster_kwargs["processes"] is True
    # the worker processes report to the flow's server instead of starting their own
    assert runner.cluster_kwargs["env"] == {"PREFECT_API_URL": "http://127.0.0.1:4200/api"}


def test_process_runner_workers_report_to_the_flows_server(monkeypatch):
    from prefect.task_runners import ProcessPoolTaskRunner

    monkeypatch.setattr(runners, "_api_url", lambda: "http://127.0.0.1:4200/api")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    runner = runners.task_runner("process", max_workers=2)
    assert isinstance(runner, ProcessPoolTaskRunner)
    # what each worker process runs first: without the URL it would start a server of its own
    runner._initializer(*runner._initargs)
    assert os.environ.pop("PREFECT_API_URL") == "http://127.0.0.1:4200/api"


def test_unknown_runner_is_refused():
    with pytest.raises(ValueError, match="thread, process, dask"):
        runners.task_runner("ray")


@pytest.mark.prefect
def test_writer_slot_admits_one_writer_at_a_time(tmp_path, prefect_harness):

    warehouse = tmp_path / "w.duckdb"
    with runners.writer_slot(warehouse):  # no limit on the server yet: just the DuckDB writer
        pass
    runners.ensure_writer_limit()
    holding, release = threading.Event(), threading.Event()

    def first_writer() -> None:
        with runners.writer_slot(warehouse):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=first_writer)
    thread.start()
    try:
        assert holding.wait(30)
        # (Prefect raises AcquireConcurrencySlotTimeoutError, a TimeoutError)
        with pytest.raises(TimeoutError), runners.writer_slot(warehouse, timeout_seconds=2):
            pass
    finally:
        release.set()
        thread.join(30)
    with runners.writer_slot(warehouse, timeout_seconds=30):  # free again once the first one is done
        pass
    from prefect import get_client

    with get_client(sync_client=True) as client:
        client.delete_global_concurrency_limit_by_name(runners.WRITER_LIMIT)
