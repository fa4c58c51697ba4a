# The two promises of the README: `make run` and `make test` work on a fresh clone
# with nothing but Python 3.11+ and access to the package registry.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: run test check lint samples ui bench clean install browser nginx postgres scale

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	# our modules' bytecode, as pip writes it for the packages it installs: an editable install leaves it to the
	# first import, which cannot write it where PYTHONDONTWRITEBYTECODE is set (CI, containers), and every command
	# would then compile our ~150 modules again (0.25 s; issue #28). Python checks it against the source on import.
	$(BIN)/python -m compileall -q assets deploy expectations pipelines runtime sources warehouse
	touch $(STAMP)

## make run: install, write the sample workbooks into landing/ if it is empty, run every asset, print a summary.
## Sample files it has just written are complete (this very command wrote them): that run does not wait for them
## to settle (XHS_SETTLE_SECONDS=0). Otherwise xhs run waits for uploads as always (docs/security.md).
run: $(STAMP)
	@out="$$($(BIN)/xhs samples --if-empty)" || exit 2; echo "$$out"; \
	case "$$out" in \
	  wrote*) echo "XHS_SETTLE_SECONDS=0: the sample files were written just now"; XHS_SETTLE_SECONDS=0 $(BIN)/xhs run ;; \
	  *) $(BIN)/xhs run ;; \
	esac

## make browser: headless Chromium for the release-site tests (apt-get, as root); says so loudly when it can't
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null || echo "!!! apt-get could not install chromium: the release-site browser tests will skip (fail under CI=true) !!!"; \
	  else \
	    echo "!!! chromium is missing and cannot be installed here (needs root and apt-get): the release-site browser tests will skip (fail under CI=true) !!!"; \
	  fi; }

## make nginx: Debian's nginx (and openssl) for the reverse-proxy tests of the operator UI (apt-get, as root);
## says so loudly when it can't. The tests run it on loopback ports as the current user; no service is started.
nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq nginx openssl >/dev/null || echo "!!! apt-get could not install nginx: the reverse-proxy tests will skip (fail under CI=true) !!!"; \
	  else \
	    echo "!!! nginx is missing and cannot be installed here (needs root and apt-get): the reverse-proxy tests will skip (fail under CI=true) !!!"; \
	  fi; }

## make postgres: Debian's PostgreSQL server for the instance tests and make scale (apt-get, as root); loud when it can't
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null || echo "!!! apt-get could not install postgresql: the PostgreSQL instance tests will skip (fail under CI=true) and make scale cannot run !!!"; \
	  else \
	    echo "!!! PostgreSQL is missing and cannot be installed here (needs root and apt-get): the PostgreSQL instance tests will skip (fail under CI=true) !!!"; \
	  fi; }

## make scale: a throwaway local PostgreSQL, the samples through the Postgres-backed instance with the
## multiprocess executor, DuckDB + Iceberg lake published, the lake read back with Polars, the server stopped
scale: $(STAMP) postgres
	$(BIN)/python -m deploy.scale

## make test: install, lint, type-check (mypy), run the whole test suite (what CI runs), on PYTEST_WORKERS
## pytest-xdist workers (default 2: this machine's cores; PYTEST_WORKERS=0 runs it in one process)
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder)
test: $(STAMP) browser nginx postgres
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

## make check: the quick loop at the keyboard (under 2 minutes): lint, types, and the tests that need no
## deployment (pytest -m "not deployment"; tests/README.md says which those are)
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not deployment"

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
	rm -rf data .dagster warehouse/*.duckdb warehouse/scale lake
