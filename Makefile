# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PIP := $(BIN)/python -m pip

.PHONY: run test lint format install install-dev migrate demo serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt constraints.txt | $(BIN)/python
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# --no-proxy-headers: the client's address is the socket's, or what FACTCHECK_TRUSTED_PROXIES
# allows; uvicorn would otherwise believe any X-Forwarded-For sent from 127.0.0.1.
serve: install
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(BIN)/uvicorn factcheck.asgi:application --host 127.0.0.1 --port $(PORT) --no-proxy-headers

## Create the virtualenv, install, migrate, load the demo and serve http://127.0.0.1:$(PORT)
run: demo serve

## Install test dependencies and run every test (browser tests included)
test: install-dev
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing."; exit 1; fi; exit $$rc

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
