# juesuan: `make demo` and `make test` are the whole set-up on a fresh machine.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_HOME ?= $(CURDIR)/var/prefect
export UV_PYTHON ?= 3.11

.PHONY: install demo test test-slow test-all test-reliability bench lint clean

# uv itself comes from PyPI when the machine has none
.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/pip install -q uv==$(UV_VERSION)

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

# Prefect keeps its temporary server's database under PREFECT_HOME, which must exist
install: .venv/.synced
	@mkdir -p $(PREFECT_HOME)

demo: install
	.venv/bin/juesuan demo

test: install
	$(PY) -m pytest -q -m "not slow"

# exit code 5 is "no tests selected", which is not a failure here
test-slow: install
	$(PY) -m pytest -q -m "slow" || [ $$? -eq 5 ]

test-all: install
	$(PY) -m pytest -q

test-reliability: install
	$(PY) -m pytest -q tests/reliability

bench: install
	$(PY) bench/run.py

lint: install
	.venv/bin/ruff check .
	.venv/bin/mypy flows tasks expectations warehouse

clean:
	rm -rf var publish .pytest_cache
