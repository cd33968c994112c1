# Olive Planner: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= configs/jiangsu.toml

.PHONY: setup run test lint format bench data clean

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

test: setup lint
	$(BIN)/python -m pytest -q

data: setup
	$(BIN)/python -m planner.datasets.build --raw data/raw/jiangsu --province 32 --out data/jiangsu

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build *.egg-info
