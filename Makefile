# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

# Python >= 3.12: python3.13 or python3.12 on PATH (a pyenv shim that cannot run does not count),
# then pyenv's own versions.
PYTHON ?= $(shell for c in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.13 /usr/bin/python3.12 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$c; break; fi; done)

.PHONY: run test venv deps system-deps migrate seed serve lint messages bench clean

run: deps system-deps migrate seed
	@echo ""
	@echo "Portal: http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Demo logins (password demo-portal): admin, demo_staff, demo_officer, demo_officer2,"
	@echo "  demo_secretary, demo_secretary2, demo_member, demo_member2"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: deps-dev system-deps
	DJANGO_SETTINGS_MODULE=portal.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

$(VENV)/bin/activate:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed (python3.13 or python3.12 not found)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.deps: requirements.txt | $(VENV)/bin/activate
	$(PIP) install -q -r requirements.txt
	@touch $@

$(VENV)/.deps-dev: requirements.txt requirements-dev.txt $(VENV)/.deps
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

deps: $(VENV)/.deps
deps-dev: $(VENV)/.deps-dev

# WeasyPrint needs Pango and fonts with Vietnamese glyphs; install them when missing and we are root.
system-deps:
	@missing=""; \
	for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0; do \
	  /sbin/ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="yes"; done; \
	fc-list ':lang=vi' family 2>/dev/null | grep -qiE 'Liberation Serif|Noto Serif|DejaVu Serif' || missing="yes"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
	      libharfbuzz-subset0 fontconfig fonts-dejavu-core fonts-liberation2 fonts-noto-core >/dev/null; \
	  else echo "WeasyPrint needs libpango-1.0-0, libpangoft2-1.0-0 and fonts-liberation2; install them." >&2; fi; \
	fi

migrate: deps
	$(PY) manage.py migrate --noinput

seed: deps
	$(PY) manage.py seed_demo --if-empty

lint: deps-dev
	$(VENV)/bin/ruff check .

messages: deps
	$(PY) manage.py makemessages -l vi --ignore=.venv --ignore=var && $(PY) manage.py compilemessages -l vi --ignore=.venv

bench: deps-dev
	@echo "See README: benchmarks run against PostgreSQL with DATABASE_URL set."

clean:
	rm -rf $(VENV) var
