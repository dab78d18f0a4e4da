# Branchline: the two commands of the Quick start live here.
#   make demo  - create .venv if needed, install, run the controller on the reference network
#   make test  - install everything the tests need (Debian and Python packages), run lint, types, tests
#   make test-fast - the tests not marked slow, for the edit-test loop
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: demo test test-fast lint types unit system-deps bench docs-images clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/branchline demo --host $(HOST) --port $(PORT)

system-deps:
	bash scripts/install-debian-packages.sh scripts/debian-packages.txt

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(VENV)/.test
	$(BIN)/mypy

unit: $(VENV)/.test
	$(BIN)/pytest

test: system-deps lint types unit

# Everything but the tests marked slow (browser, PostgreSQL, server processes, clusters, soaks):
# for the edit-test loop. `make test` (CI) still runs them all.
test-fast: $(VENV)/.test
	$(BIN)/pytest -m "not slow" -q

bench: $(VENV)/.runtime
	$(BIN)/python -m bench.bench_inventory

# The docs' pictures: the installer page, the console and the demo's mailbox, taken in headless
# Chromium (the same runs as their browser tests), and a simulation report's plot.
docs-images: $(VENV)/.test
	$(BIN)/python -m tests.installer_shots docs/images
	$(BIN)/python -m tests.console_shots docs/images
	$(BIN)/python -m tests.mailbox_shots docs/images
	$(BIN)/branchline sim run tests/simulator/scenarios/primary-failure.yaml -o build/sim-shot
	cp build/sim-shot/site-br-shenyang-001.png docs/images/sim-primary-failure-site.png

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
