# The two commands: `make run` (set up and start the portal with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test lint install system-deps translations static messages bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed translations static

# Compiled message catalogues are build output: made from the committed .po files.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d portal/translations >/dev/null

# Content-hashed, gzip- and brotli-compressed copies of static/ and their manifest (build output, not committed):
# pages then name the hashed copies, which browsers keep for a year (portal/static_files.py).
static: $(VENV)/.installed
	$(VENV)/bin/flask --app wsgi:app digest clean >/dev/null
	$(VENV)/bin/flask --app wsgi:app digest compile >/dev/null

# Chromium and a CJK font for the browser tests, redis-server for the rate-limit tests (unless TEST_REDIS_URL
# names one), and PostgreSQL for the second CI pass.
# Installed only when missing and only where apt-get can run (root); otherwise the tests say what is missing.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || ! command -v pdftotext >/dev/null \
	    || { [ -z "$$TEST_REDIS_URL" ] && ! command -v redis-server >/dev/null; }; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils redis-server >/dev/null; \
	  else echo "warning: install chromium, fonts-noto-cjk, poppler-utils (pdftotext) and redis-server for the tests"; fi; \
	fi

# After changing user-facing text: extract the Japanese msgids and merge them into the English catalogue.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F portal/translations/babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o portal/translations/messages.pot portal
	$(VENV)/bin/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

run: install
	$(PY) -m devtools.run

# Ruff with the rules in pyproject.toml; Jinja templates are not linted.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check portal devtools bench tests

test: install lint system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# bench.pages drives the servers with wrk (apt-get install wrk): a Python load generator would take a core from them.
bench: install
	@command -v wrk >/dev/null || { echo "make bench needs wrk (the HTTP load generator): apt-get install wrk" >&2; exit 1; }
	$(PY) -m bench

clean:
	-$(VENV)/bin/flask --app wsgi:app digest clean >/dev/null
	rm -rf $(VENV) instance .pytest_cache
