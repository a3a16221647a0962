# The README's two commands are `make run` and `make test`; everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit integration bench lock clean

$(STAMP): requirements-dev.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Parley needs Python 3.11"'
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)  ## start gateway + worker on embedded defaults
	$(VENV)/bin/parley run

test: lint typecheck  ## everything CI runs: lint, types, all tests
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

integration: $(STAMP)
	$(VENV)/bin/pytest tests/integration

bench: $(STAMP)  ## intake benchmark (prints ratios against a bare aiohttp baseline)
	$(VENV)/bin/python -m bench.intake

lock:  ## re-resolve the pinned, hashed lock files after changing pyproject.toml
	$(PYTHON) -m pip install --quiet uv==0.13.8
	$(PYTHON) -m uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
