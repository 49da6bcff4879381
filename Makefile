# Two commands do everything on a fresh machine: `make run` and `make test`.
# Both create .venv with the pinned dependencies first (make install, idempotent).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test test-unit test-integration lint bench clean help

help:
	@echo "make run     start the whole pipeline on the embedded servers (Ctrl-C stops)"
	@echo "make test    unit and integration tests (integration tests start noida-db themselves)"
	@echo "make lint    ruff and mypy"
	@echo "make bench   benchmark reports in bench/tag.json and bench/collect.json"
	@echo "make install create .venv with pinned dependencies (run and test do this for you)"

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Attaché needs Python 3.11; found " + sys.version.split()[0] + " at $(PYTHON). Set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

run: install
	$(BIN)/attache run

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: install
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check services tests
	$(BIN)/mypy

bench: install
	$(BIN)/attache bench tag --output bench/tag.json
	$(BIN)/attache bench collect --output bench/collect.json

clean:
	rm -rf $(VENV) .attache .pytest_cache .mypy_cache .ruff_cache
