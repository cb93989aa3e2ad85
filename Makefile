# Redress: `make run` starts everything, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := libs/events libs/kit libs/tenancy services/intake services/cases services/referral services/metrics services/assessment tools/synth
STAMP := $(VENV)/.installed

.PHONY: install run test lint pytest faults bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Redress needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

run: install
	$(BIN)/redress dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite in worker processes (pytest-xdist): most of a test's time is spent waiting on
# servers. On two cores two workers took 21 minutes, four were slower. Each worker makes its
# own session fixtures (servers, browser, the generated tenant: a minute).
TEST_WORKERS ?= 2
pytest: install
	$(BIN)/pytest -n $(TEST_WORKERS)

test: lint pytest

# Issue 8's faults against `redress dev` under load; the figures go to bench/results/faults.md.
faults: install
	$(BIN)/pytest tests/faults -m faults -q

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .data .mypy_cache .pytest_cache .ruff_cache
