# The two promises of the README: `make run` and `make test` work on a fresh clone
# with nothing but Python 3.11+ and access to the package registry.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: run test lint samples ui bench clean install

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## make run: install, write the sample workbooks into landing/ if it is empty, run every asset, print a summary
run: $(STAMP)
	$(BIN)/xhs samples --if-empty
	$(BIN)/xhs run

## make test: install, lint, run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

samples: $(STAMP)
	$(BIN)/xhs samples

## make bench: the benchmarks of issue #8 at sizes S and M (SIZES="S M L" for more); writes bench/results.json
SIZES ?= S M
bench: $(STAMP)
	$(BIN)/python -m bench $(foreach s,$(SIZES),--size $(s))
	if [ -f bench/hostile.py ]; then $(BIN)/python bench/hostile.py; fi

ui: $(STAMP)
	$(BIN)/xhs ui

clean:
	rm -rf data .dagster warehouse/*.duckdb
