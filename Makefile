# The two commands of the README: `make dashboard` and `make test`.
# Each creates (or refreshes) the local virtual environment .venv from the lock files,
# so installs are reproducible. `make lock` re-resolves the locks from requirements/*.in.
# `make test` then runs the numerical tests a second time, with the neural-tangents interop
# tests (tests_nt/), in .venv-nt: the old, pinned stack of the `nt` extra
# (requirements/nt.lock). `make test-nt` runs only that second part.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
PORT   ?= 8866
VENV_NT ?= .venv-nt
BIN_NT  := $(VENV_NT)/bin
# Tests run in WORKERS processes (pytest-xdist; one per core of the 2-core machines we test on): a
# test file is one unit of work, tests/serve and tests/reproduction one unit each (tests/conftest.py).
WORKERS ?= 2
PARALLEL := -n $(WORKERS)
# JUNIT_DIR=dir writes dir/junit.xml (main run) and dir/junit-nt.xml (.venv-nt run).
JUNIT_DIR ?=
# In .venv-nt: the interop tests and every numerical test (kernels, spectral, gp, block-circulant,
# experiments, training, hostile inputs). Not the served dashboard, the widgets, the docs, the CLI,
# the deployment files, the course website and the reproduction runs (tests/serve, website, widgets, docs, deploy,
# reproduction): they use the numerical layer the second run checks, and the main environment
# covers them (tests_nt drives a neural-tangents kernel through the orbit explorer).
NT_TESTS := tests_nt tests -m "not browser and not notebook and not binder" \
	$(foreach d,serve website widgets docs deploy reproduction hostile/test_hostile_widgets.py \
	hostile/test_hostile_reproduction.py test_cli.py,--ignore=tests/$(d))

.PHONY: dashboard test test-main test-nt check fuzz install install-dev install-nt lock lock-nt lab \
	benchmarks reproduce hub docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Bytecode is compiled at install time (--compile-bytecode, and compileall for the editable
# ntkviz): where Python may not write .pyc files (PYTHONDONTWRITEBYTECODE, common in containers)
# every dashboard kernel would otherwise compile its modules at each start (ipykernel, ntkviz
# and the dashboard: 3.9–4.2 s of CPU from source, 1.5 s from bytecode).
$(VENV)/.runtime-installed: requirements/runtime.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements/runtime.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q ntkviz
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock $(VENV)/.runtime-installed
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements/dev.lock
	touch $@

# configurable-http-proxy for the local course hub (deploy/jupyterhub, `make hub` and its test),
# exactly as deploy/jupyterhub/package-lock.json pins it; needs Node >= 20 and npm.
HUB_PROXY := deploy/jupyterhub/node_modules/.installed
$(HUB_PROXY): deploy/jupyterhub/package-lock.json
	npm ci --prefix deploy/jupyterhub --no-audit --no-fund --loglevel=error
	touch $@

# (the inner .gitignore keeps the environment out of git, as Python >= 3.13 venvs do)
$(BIN_NT)/python:
	$(PYTHON) -m venv $(VENV_NT)
	echo '*' > $(VENV_NT)/.gitignore

# nt.lock pins tensorflow and the rest of the old stack; ntkviz itself goes in editable on top.
$(VENV_NT)/.nt-installed: requirements/nt.lock pyproject.toml | $(BIN_NT)/python $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN_NT)/python -r requirements/nt.lock
	$(UV) pip install --quiet --python $(BIN_NT)/python --no-deps -e .
	touch $@

# MathJax for the course website (docs/conf.py serves it from the site, so pages work offline),
# exactly as docs/package-lock.json pins it.
DOCS_MATHJAX := docs/node_modules/.installed
$(DOCS_MATHJAX): docs/package-lock.json
	npm ci --prefix docs --no-audit --no-fund --loglevel=error
	touch $@

# plotly's cartesian bundle for the dashboard page (web/, exactly as web/package-lock.json pins
# it): the page's first render is about 1.3 s faster than with plotly's full bundle, which the
# page loads where npm is missing (ntkviz.widgets.plot.plotly_js).
DASHBOARD_JS := web/node_modules/.installed
$(DASHBOARD_JS): web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix web --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "ntkviz: npm not found; the dashboard page loads plotly's full plotly.js (slower first render)"; \
	fi

install: $(VENV)/.runtime-installed $(DASHBOARD_JS)
install-dev: $(VENV)/.dev-installed $(DASHBOARD_JS) $(HUB_PROXY) $(DOCS_MATHJAX)
install-nt: $(VENV_NT)/.nt-installed

## Serve the Voila dashboard at http://127.0.0.1:$(PORT) on the bundled data.
dashboard: install
	$(BIN)/ntkviz serve --port $(PORT)

## Install everything and run every test (browser tests need /usr/bin/chromium), then the
## numerical and neural-tangents interop tests in .venv-nt. Both runs must pass.
test: test-main test-nt

test-main: install-dev
	$(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS) $(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/junit.xml)

## Only the second environment: .venv-nt (neural-tangents 0.6.5, JAX 0.4.30) and its tests.
test-nt: install-nt
	$(BIN_NT)/python -m pytest $(NT_TESTS) $(PARALLEL) $(PYTEST_ARGS) \
		$(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/junit-nt.xml)

## The developer's loop: lint, then the fast tests (no slow, browser, notebook or binder marker).
check: install-dev
	$(BIN)/ruff check ntkviz tests tests_nt benchmarks deploy
	$(BIN)/python -m pytest -m "not slow and not browser and not notebook and not binder" $(PARALLEL) \
		$(PYTEST_ARGS)

## Explore (opt-in, not part of `make test`): the property tests with fresh random examples and
## NTKVIZ_FUZZ_FACTOR (default 10) times their example budget. `make test` and CI run one
## fixed-seed profile (tests/property_budget.py); add what this finds as an explicit example.
PROPERTY_TESTS := tests/hostile tests/test_spectral.py tests/test_gp.py tests/block_circulant
fuzz: install-dev
	NTKVIZ_FUZZ=1 $(BIN)/python -m pytest $(PROPERTY_TESTS) $(PYTEST_ARGS)

## JupyterHub for a course on this machine (docs/deploy.md): each student who logs in gets a
## server of their own that opens on the dashboard. NTKVIZ_HUB_PASSWORD=... make hub
hub: install-dev
	$(BIN)/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

## The course website into docs/_build/html (open docs/_build/html/index.html; no server needed):
## the lessons are executed at build time, warnings are errors (tests/website builds it too).
docs: install-dev
	$(BIN)/sphinx-build -W --keep-going -b html -d docs/_build/doctrees docs docs/_build/html
	@echo "The site: $(CURDIR)/docs/_build/html/index.html"

## JupyterLab on the notebooks.
lab: install
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

## The papers' figures and claims, full run (under 3 hours on 2 cores; needs Chromium for PNG):
## writes data/results/reproduction/ and docs/reproduction.md. Resumes: a target whose JSON has
## the same configuration is kept, and finished parts of long targets are kept in
## data/results/reproduction/.runs/ (delete the folder to start afresh).
reproduce: install
	$(BIN)/ntkviz reproduce all --resume --out data/results/reproduction --report docs/reproduction.md

benchmarks: install-dev
	$(BIN)/python benchmarks/run_all.py

lock: | $(UV)
	$(UV) pip compile --quiet --python-version 3.11 requirements/runtime.in -o requirements/runtime.lock
	$(UV) pip compile --quiet --python-version 3.11 requirements/dev.in -c requirements/runtime.lock -o requirements/dev.lock
	$(UV) pip compile --quiet --python-version 3.11 --no-emit-package ntkviz requirements/nt.in -o requirements/nt.lock

## Re-resolve only requirements/nt.lock (the runtime and dev locks stay as they are).
lock-nt: | $(UV)
	$(UV) pip compile --quiet --python-version 3.11 --no-emit-package ntkviz requirements/nt.in -o requirements/nt.lock

clean:
	rm -rf $(VENV) $(VENV_NT) .pytest_cache .hypothesis tests/artifacts deploy/jupyterhub/node_modules \
		docs/_build docs/lessons docs/node_modules
