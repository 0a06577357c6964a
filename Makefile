# The README's two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench load install install-test i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
	PYBABEL=$(BIN)/pybabel scripts/i18n.sh compile

install-test: $(VENV)/.installed-test
	PYBABEL=$(BIN)/pybabel scripts/i18n.sh compile

## make run: set up, migrate, seed the demo, run web + worker + embedded Redis on http://127.0.0.1:5000
run: install
	$(BIN)/python scripts/run.py

## make test: set up with the test extra and run the whole suite (pytest's "no tests" exit 5 is not a failure)
test: install-test
	$(BIN)/ruff check portal worker tests scripts wsgi.py
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc

lint: install-test
	$(BIN)/ruff check portal worker tests scripts wsgi.py

## make bench: the performance budgets, printed as ratios measured in one run (needs PostgreSQL)
bench: install-test
	$(BIN)/python -m tests.bench

## make load: the bounded load test at full size (gunicorn + worker + PostgreSQL + Redis db 7), with its budget
load: install-test
	$(BIN)/python -m tests.load

i18n: install-test
	PYBABEL=$(BIN)/pybabel scripts/i18n.sh update
