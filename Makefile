# The two commands of the quick start: `make demo` and `make test`. Both set up .venv first (idempotent:
# the install reruns only when pyproject.toml changed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,ray]'
	touch $(STAMP)

setup: $(STAMP)

# Mills this checkout's own git history into ./mill-demo/ and prints the funnel.
demo: setup
	$(BIN)/codemill run --repo . --out mill-demo

lint: setup
	$(BIN)/ruff check src tests bench

test: setup lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[bench]'
	$(BIN)/python bench/commits_bench.py

clean:
	rm -rf mill-demo .pytest_cache
