# bokbro tasks. The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck schema schema-check pytest bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Start bokbro in its embedded default (SQLite, in-process Redis and worker, sandboxes with demo data).
demo: $(STAMP)
	$(BIN)/bokbro demo --port $${PORT:-8000}

## The whole test suite: lint, types, the committed GraphQL schema, and every test on both back-ends.
test: $(STAMP) lint typecheck schema-check pytest

lint: $(STAMP)
	$(BIN)/ruff check backend worker tests

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

clean:
	rm -rf .bokbro .pytest_cache .mypy_cache .ruff_cache
