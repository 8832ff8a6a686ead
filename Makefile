# The two commands: `make demo` and `make test`. Everything else is set-up they call.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
# Re-install when the package or its native pass (native/, Rust, built by pip) changes.
NATIVE := native/Cargo.toml native/Cargo.lock $(wildcard native/src/*.rs)
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(NATIVE) | sha1sum | cut -c1-12)
# rustup installs cargo here; the native pass needs it on PATH when pip builds the package.
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: demo test lint unit integration e2e faults bench setup system-deps jars clean help

help:
	@echo "make demo   run the whole pipeline on the bundled sample feeds (Ctrl-C stops it)"
	@echo "make test   lint + the whole test suite (starts its own Kafka broker)"
	@echo "make bench  run every benchmark (BENCH=\"pipeline matching\" for some); figures go to BENCHMARKS.md"

$(STAMP): pyproject.toml $(NATIVE)
	@bash deploy/setup-system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev]'  # -qq: not setuptools' editable-install notice
	@$(BIN)/python -c 'import processors.matching._native' 2>/dev/null || { \
	  echo "setup: the matching engine's native pass did not build (is cargo >= 1.78 on PATH?)" >&2; exit 1; }
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
	$(BIN)/lint-imports --no-cache  # the dependency rule (pyproject.toml [tool.importlinter])
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	cargo fmt --manifest-path native/Cargo.toml --check
	cargo clippy --manifest-path native/Cargo.toml --release -q --all-targets -- -D warnings

# The native pass's unit tests run without its PyO3 glue (the `python` feature): no libpython needed.
test: setup lint
	cargo test --manifest-path native/Cargo.toml --no-default-features -q
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
