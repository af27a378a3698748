# The two commands of the README: `make dashboard` and `make test`.
# Each creates (or refreshes) the local virtual environment .venv from the lock files,
# so installs are reproducible. `make lock` re-resolves the locks from requirements/*.in.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
PORT   ?= 8866

.PHONY: dashboard test install install-dev lock lab benchmarks reproduce clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.runtime-installed: requirements/runtime.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements/runtime.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock $(VENV)/.runtime-installed
	$(UV) pip install --quiet --python $(BIN)/python -r requirements/dev.lock
	touch $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

## Serve the Voila dashboard at http://127.0.0.1:$(PORT) on the bundled data.
dashboard: install
	$(BIN)/ntkviz serve --port $(PORT)

## Install everything and run every test (browser tests need /usr/bin/chromium).
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## JupyterLab on the notebooks.
lab: install
	$(BIN)/jupyter lab notebooks/

## The paper's figures and claims, full run (about an hour on 2 cores; needs Chromium for PNG):
## writes data/results/reproduction/ and docs/reproduction.md.
reproduce: install
	$(BIN)/ntkviz reproduce all --out data/results/reproduction --report docs/reproduction.md

benchmarks: install-dev
	$(BIN)/python benchmarks/run_all.py

lock: | $(UV)
	$(UV) pip compile --quiet --python-version 3.11 requirements/runtime.in -o requirements/runtime.lock
	$(UV) pip compile --quiet --python-version 3.11 requirements/dev.in -c requirements/runtime.lock -o requirements/dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/artifacts
