# Two commands matter: `make demo` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
RECON_HOME ?= .recon
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bq-test ui-test dev lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recon demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 -q

# The same nights on DuckDB and on a local BigQuery emulator (../shared) must agree byte for byte.
bq-test: $(STAMP)
	scripts/bq_compare.sh

# The real UI in headless Chromium over the demo: Debian's chromium, driven by Playwright
# (never `playwright install`); screenshots in $(RECON_HOME)/ui/, any page error fails.
ui-test: $(STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/python -c 'import playwright' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,ui]'
	mkdir -p $(RECON_HOME)
	RECON_HOME=$(RECON_HOME) $(BIN)/recon demo --orders-per-day 20 > $(RECON_HOME)/ui-demo.log
	RECON_HOME=$(RECON_HOME) $(BIN)/python scripts/ui_check.py

# The UI uses the instance the `recon` commands record their runs in. `exec` makes dagster
# make's own child, so Ctrl-C and SIGTERM (make passes it on) reach it and it stops its
# webserver, daemon and code server. DEV_ARGS: dagster dev's options (host, port). The
# instance's dagster.yaml makes every run the UI launches a run of nightly_reconciliation.
dev: $(STAMP)
	$(BIN)/python -m recon_assets.instance $(RECON_HOME)/dagster
	DAGSTER_HOME=$(abspath $(RECON_HOME))/dagster exec $(BIN)/dagster dev -w workspace.yaml $(DEV_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/reconcile_bench.py

clean:
	rm -rf $(VENV) .recon .bq-emulator
