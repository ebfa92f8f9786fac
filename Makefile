# sorplan: `make run` sets everything up and serves the app; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test` (0: one process); one per core of the 2-core machines.
TEST_WORKERS ?= 2

# The embedded development default: SQLite under var/, tasks in-process, e-mail to var/mail.
DEV_ENV := DEBUG=$${DEBUG:-1}

.PHONY: help run setup test lint smoke bench loadtest messages clean-venv

help:
	@echo "make run     set up (venv, dependencies, database, SOR plan, demo users) and serve on http://$(HOST):$(PORT)"
	@echo "make setup   the same without serving"
	@echo "make test    run every test (set DATABASE_URL for PostgreSQL)"
	@echo "make lint    ruff and makemigrations --check"
	@echo "make smoke   the production path: DEBUG=0 collectstatic, check --deploy, gunicorn on a fresh PostgreSQL database"
	@echo "make bench   performance figures (own database: BENCH_DATABASE_URL; BENCH_ARGS=...)"
	@echo "make loadtest  50 users against gunicorn, production settings, shared cache (own database; LOADTEST_ARGS=...)"

# Find a Python >= 3.12 on its own: $PYTHON, pyenv's installed versions, then PATH.
# (pyenv's shims answer only where a version is selected, so its folders come first.)
$(VENV)/.python:
	@found=""; \
	for cand in "$$PYTHON" $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
	            python3.13 python3.12 python3; do \
	  [ -n "$$cand" ] || continue; \
	  if "$$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then found="$$cand"; break; fi; \
	done; \
	if [ -z "$$found" ]; then \
	  echo "sorplan needs Python 3.12 or newer, and none was found on this machine."; \
	  echo "Install one (e.g. 'pyenv install 3.12' or 'apt-get install python3.12') or name it:"; \
	  echo "  make run PYTHON=/path/to/python3.12"; \
	  exit 1; \
	fi; \
	echo "Using $$found ($$("$$found" -c 'import sys; print(sys.version.split()[0])'))"; \
	"$$found" -m venv $(VENV) && $(PY) -c 'import sys; print(sys.version)' > $@

$(VENV)/.installed: $(VENV)/.python requirements.lock requirements-dev.lock
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.lock
	@touch $@

setup: $(VENV)/.installed
	@mkdir -p var/mail var/media
	@# A development checkout: manage.py commands work without exporting anything.
	@[ -f .env ] || { printf '# Local development settings (see .env.example). Not for production.\nDEBUG=1\n' > .env; echo "Wrote .env (DEBUG=1) for development"; }
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0
	$(DEV_ENV) $(PY) manage.py load_sor_roadmap
	$(DEV_ENV) $(PY) manage.py load_demo_data
	@# Last month's status report, published from the demo data (a no-op once it exists).
	$(DEV_ENV) $(PY) manage.py generate_status_report --period "$$($(PY) -c 'import datetime as d; t = d.date.today().replace(day=1) - d.timedelta(days=1); print(f"{t:%Y-%m}")')" --publish

run: setup
	@echo ""
	@echo "sorplan runs on http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# axe-core for the accessibility crawl and oidc-provider for the SSO tests, from
# tests/js/package-lock.json (test-only); installed when missing (npm stamps package
# files 1985, so no timestamp rule).
JS_TOOLS = tests/js/node_modules/axe-core/axe.min.js tests/js/node_modules/oidc-provider/package.json
$(JS_TOOLS):
	npm ci --prefix tests/js --no-audit --no-fund

test: $(VENV)/.installed | $(JS_TOOLS)
	@mkdir -p var
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages -l da -l en -e html,txt,py,svg --ignore=.venv --ignore=staticfiles --ignore=static --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

# Needs PostgreSQL on 127.0.0.1:5432 (user postgres); creates and drops its own database.
smoke: $(VENV)/.installed
	PY=$(PY) .ci/production-smoke

# The bench runs with production settings, in its own database (BENCH_DATABASE_URL).
bench: $(VENV)/.installed
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost} \
	  $(PY) manage.py bench $(BENCH_ARGS)

# 50 users (locust, from the dev lock) against gunicorn on 127.0.0.1 with production settings
# and the shared Redis cache (LOADTEST_CACHE_URL), in the bench's own database. gunicorn runs
# from deploy/gunicorn.conf.py, as in production (size it with WEB_CONCURRENCY, GUNICORN_THREADS).
loadtest: $(VENV)/.installed
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost} \
	  $(PY) manage.py loadtest $(LOADTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
