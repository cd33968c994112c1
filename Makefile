# Olive Planner: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= configs/jiangsu.toml
TEST_WORKERS ?= -n 2

.PHONY: setup sysdeps run test test-fast test-heavy docs lint format bench data data-china clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/planner run $(CONFIG)

lint: setup
	$(BIN)/ruff check planner tests scripts
	$(BIN)/ruff format --check planner tests scripts
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format planner tests scripts
	$(BIN)/ruff check --fix planner tests scripts

# System package the browser tests need: headless Chromium (Debian). No CJK font: the report
# ships its own (noto-cjk-sans-otc from PyPI), and the tests check it reads without one.
sysdeps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing chromium (Debian)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

test: setup sysdeps lint
	$(BIN)/python -m pytest -q $(TEST_WORKERS) --durations=15 -m "not heavy"

# The checks too long for CI (a full-province CBC solve): run on demand.
test-heavy: setup
	$(BIN)/python -m pytest -q -m heavy

# The inner loop: tiny-case and unit tests, in parallel; no full-province solve, CBC,
# browser or Dask test (make test runs those too).
test-fast: setup
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not browser and not dask"

# The documentation site (docs/, mkdocs.yml) into build/site/; warnings are errors.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict

data: setup
	$(BIN)/python -m planner.datasets.build --raw data/raw/jiangsu --province 32 --out data/jiangsu

data-china: setup
	$(BIN)/python -m planner.datasets.national --raw data/raw/china --out data/china

bench: setup
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench.py --only jiangsu --end-to-end
	$(BIN)/python scripts/bench_sweep.py

clean:
	rm -rf $(VENV) build *.egg-info
