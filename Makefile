# zorgroute: `make demo` plans on the bundled demo region, `make test` runs every check.
# Both create .venv and install what they need on a fresh machine (Python >= 3.11).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

PORT   ?= 8000

.PHONY: demo test lint typecheck pytest bench bench-full data clean serve

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[osm,places,report]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-api

$(VENV)/.installed-api: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[api]'
	touch $@

serve: $(VENV)/.installed-api
	mkdir -p out
	ZORGROUTE_API_DATABASE_URL=$${ZORGROUTE_API_DATABASE_URL:-sqlite:///out/zorgroute-api.db} \
		$(PY) -m zorgroute_api serve --host 127.0.0.1 --port $(PORT)

demo: $(VENV)/.installed
	$(BIN)/zorgroute demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src api tests benchmarks scripts notebooks
	$(BIN)/ruff format --check src api tests benchmarks scripts notebooks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy
	mkdir -p build/mypy && ln -sfn ../../api build/mypy/zorgroute_api
	MYPYPATH=src:build/mypy $(BIN)/mypy -p zorgroute_api

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not network"

test: lint typecheck pytest

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

# a few minutes: each part on short budgets; the solver part measures afresh every time
bench: $(VENV)/.installed-bench
	$(PY) benchmarks/bench_matrix.py --quick
	$(PY) benchmarks/bench_plan.py --quick
	$(PY) benchmarks/bench_scale.py --quick
	rm -f build/bench/solver-quick.csv
	$(PY) benchmarks/bench_solver.py --quick --budget 3 --csv build/bench/solver-quick.csv \
		--solvers zorgroute,ortools-drop,pyvrp,vroom --out benchmarks/results/solver-quick.md
	$(PY) benchmarks/bench_region.py --quick --breaks both

# hours: the solver part resumes from benchmarks/results/solver_runs.csv when interrupted
bench-full: $(VENV)/.installed-bench
	$(PY) benchmarks/bench_matrix.py
	$(PY) benchmarks/bench_plan.py
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_solver.py --full --jobs 1 --notes benchmarks/results/solver-notes.md \
		--out benchmarks/results/solver.md
	$(PY) benchmarks/bench_region.py --breaks both --jobs 1
	$(PY) benchmarks/bench_hhc.py --notes benchmarks/results/hhc-notes.md

data: $(VENV)/.installed-dev
	$(PY) scripts/make_villages.py
	$(PY) scripts/make_demo_region.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
