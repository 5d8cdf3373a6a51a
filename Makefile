# bokbro tasks. The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck schema schema-check pytest bench bench-initial-sync clean frontend browser-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Start bokbro in its embedded default (SQLite, in-process Redis and worker, sandboxes with demo data).
demo: $(STAMP) frontend
	$(BIN)/bokbro demo --port $${PORT:-8000}

## The admin app (frontend-static/ → frontend-static/dist/), rebuilt only when its sources changed.
frontend:
	@if command -v npm >/dev/null 2>&1; then scripts/build-frontend.sh; \
	 else echo "npm not found: the admin app is not built (the gateway serves its placeholder page)"; fi

## Debian's chromium for the browser tests (tests/browser); CI runs this before the tests.
browser-deps:
	scripts/install-browser-deps.sh

## The whole test suite: lint, types, the committed GraphQL schema, and every test on both back-ends.
test: $(STAMP) lint typecheck schema-check frontend pytest

lint: $(STAMP)
	$(BIN)/ruff check backend worker tests bench

typecheck: $(STAMP)
	$(BIN)/mypy backend worker

schema: $(STAMP)
	$(BIN)/bokbro export-schema schema.graphql

schema-check: $(STAMP)
	@$(BIN)/bokbro export-schema - | diff -u schema.graphql - \
	  || (echo "schema.graphql is out of date: run 'make schema' and commit it" && exit 1)

pytest: $(STAMP)
	$(BIN)/pytest -q -ra $(PYTEST_ARGS)

## Throughput of booked invoices → Tripletex on each back-end, reported as a ratio (not a pass/fail test).
bench: $(STAMP)
	$(BIN)/python -m bench.transfer_throughput --invoices $${INVOICES:-100}

## Initial sync of a large Tripletex account → Rackbeat at full speed, and a 10× smaller one: wall time, peak RSS,
## the 480/min rate-limit bound (not a pass/fail test). The default (50k products, 10k customers) takes ~15 min on
## 2 CPUs; issue 4's full size: make bench-initial-sync PRODUCTS=100000 CUSTOMERS=20000 (~30 min).
bench-initial-sync: $(STAMP)
	$(BIN)/python -m bench.initial_sync_scale --products $${PRODUCTS:-50000} --customers $${CUSTOMERS:-10000} \
	  --backend $${BACKEND:-embedded}

clean:
	rm -rf .bokbro .pytest_cache .mypy_cache .ruff_cache
