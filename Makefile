# The two commands a newcomer needs are `make run` and `make test` (see README.md).
# Everything runs from the project's own virtual environment in .venv, created on first
# use; dependencies are (re)installed only when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run migrate seed test lint bench messages clean distclean

help:
	@echo "make run      start the service desk with demo data and background jobs (port $(PORT))"
	@echo "make test     run the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)"
	@echo "make lint     ruff"
	@echo "make migrate  apply database migrations"
	@echo "make seed     load the demo data (once)"
	@echo "make bench    benchmark against PostgreSQL (bench/run.py)"
	@echo "make messages update the translation catalogues in locale/ (needs GNU gettext)"
	@echo "make clean    delete the local database, job queue and caches (keeps .venv)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make run PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing the project and its dependencies into $(VENV) ..."
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e ".[dev]"
	@touch $@

# The translation catalogues are compiled with Babel (pure Python), whenever a .po
# file is newer than its .mo: `make install` needs nothing beyond Python.
CATALOGUES := $(wildcard locale/*/LC_MESSAGES/django.po)
COMPILED := $(CATALOGUES:.po=.mo)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(STAMP)
	@$(BIN)/pybabel -q compile -i $< -o $@

install: $(STAMP) $(COMPILED)

# The languages of the founding documents; en is the source language.
LANGUAGES := en sv nl zh_Hans
messages: install
	$(BIN)/python manage.py makemessages $(addprefix -l ,$(LANGUAGES)) --no-obsolete \
		--ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=build

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	DEBUG=1 $(BIN)/python manage.py rundev --port $(PORT)

test: install
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf var/db.sqlite3 var/db.sqlite3-* var/queue var/celerybeat-schedule* var/media var/static
	rm -rf .pytest_cache .ruff_cache build *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
