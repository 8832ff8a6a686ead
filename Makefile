# The two commands: `make demo` and `make test`. Everything else is set-up they call.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: demo test lint unit integration e2e faults bench setup system-deps jars clean help

help:
	@echo "make demo   run the whole pipeline on the bundled sample feeds (Ctrl-C stops it)"
	@echo "make test   lint + the whole test suite (starts its own Kafka broker)"
	@echo "make bench  run every benchmark (BENCH=\"pipeline matching\" for some); figures go to BENCHMARKS.md"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

system-deps:
	@bash deploy/setup-system.sh

jars: $(STAMP) system-deps
	@$(BIN)/wirewatch broker --fetch-only

setup: $(STAMP) system-deps jars

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

test: setup lint
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

e2e: setup
	$(BIN)/pytest tests/e2e

faults: setup
	$(BIN)/pytest -m faults tests/e2e

bench: setup
	$(BIN)/python -m bench.run $(BENCH)

demo: setup
	$(BIN)/wirewatch up --demo

clean:
	rm -rf $(VENV) var *.egg-info
