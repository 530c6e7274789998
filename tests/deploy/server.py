"""A real, standalone Prefect server for the deploy tests: ``prefect server start`` in a subprocess
on a free port, with its own PREFECT_HOME (so its SQLite file and settings never touch the user's),
and an environment for the CLI commands run against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 120  # ~16 s here when warm; a first start on a cold disk takes longer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_CLI_PROMPT": "false",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@contextmanager
def prefect_server(home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Yields (API URL, environment for clients of that server)."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = prefect_env(home)
    # the test triggers its runs itself: no scheduler filling the queue with months of future runs,
    # and no UI to build
    env.update({"PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false"})
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_healthy(api, proc, home / "server.log")
        yield api, prefect_env(home, api)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_healthy(api: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server not healthy after {STARTUP_TIMEOUT} s:\n{log.read_text(errors='replace')[-3000:]}")


def prefect(env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 300) -> str:
    """Run a ``prefect`` CLI command; fail with its output when it fails."""
    done = subprocess.run(
        [str(VENV_BIN / "prefect"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise AssertionError(f"prefect {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout
