# smekit: two commands do everything on a fresh machine.
#   make demo   create .venv, write the demo study, analyse it, start the app
#   make test   create .venv with test extras, lint, format check, run the tests
# NO_APP=1 make demo stops before starting the app server.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --constraint constraints.txt
DEMO   ?= demo-study

.PHONY: demo test env lint bench clean

$(VENV)/.stamp-base: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) --quiet torch==2.13.0
	$(PIP) --quiet --editable .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-base
	$(PIP) --quiet --editable ".[test]"
	touch $@

env: $(VENV)/.stamp-base

demo: $(VENV)/.stamp-base
	$(VENV)/bin/smekit demo $(DEMO) --force
	$(VENV)/bin/smekit analyze $(DEMO)
	@if [ -z "$(NO_APP)" ]; then $(VENV)/bin/smekit app $(DEMO); else echo "NO_APP set: not starting the app (run: $(VENV)/bin/smekit app $(DEMO))"; fi

lint: $(VENV)/.stamp-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest

bench: $(VENV)/.stamp-test
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info .pytest_cache .ruff_cache
