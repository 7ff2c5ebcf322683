# Two commands: `make run` (bot + local LINE emulator on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test install clean

# the pinned requirements first (torch stays the CPU build), then the project itself, editable
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet -e .
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) scripts/run_local.py

# chromium, chromium-driver, fonts-ipafont-gothic, faketime and postgresql are installed first when
# missing (root or passwordless sudo); otherwise the suite does not start. The suite runs twice, both
# passes at the same time (scripts/test-passes.sh, each to its own log, printed at the end): on SQLite,
# and on a throwaway PostgreSQL cluster (tests about the SQLite file itself are left out, and so are the
# no_database tests, which tests/conftest.py checks in the SQLite pass: see README).
test: $(VENV)/.installed
	scripts/test-prerequisites.sh
	scripts/test-passes.sh $(PY)

clean:
	rm -rf $(VENV) var
