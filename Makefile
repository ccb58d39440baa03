# zorgroute: `make demo` plans on the bundled demo region, `make test` runs every check.
# Both create .venv and install what they need on a fresh machine (Python >= 3.11).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test lint typecheck pytest bench bench-full data clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[osm,places,report]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/zorgroute demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts notebooks
	$(BIN)/ruff format --check src tests benchmarks scripts notebooks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not network"

test: lint typecheck pytest

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) benchmarks/bench_matrix.py --quick
	$(PY) benchmarks/bench_plan.py --quick

bench-full: $(VENV)/.installed-bench
	$(PY) benchmarks/bench_matrix.py
	$(PY) benchmarks/bench_plan.py

data: $(VENV)/.installed-dev
	$(PY) scripts/make_villages.py
	$(PY) scripts/make_demo_region.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
