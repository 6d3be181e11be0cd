# AI Image Studio — `make run` starts the studio, `make test` passes the tests. Both install first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?= -n auto --dist loadfile  # one worker per core; a file's tests stay together (module fixtures)

.PHONY: run test install assets browser lint format fal-emulator bench lighthouse clean messages

run: install assets
	$(PY) manage.py runstudio

test: install assets browser
	$(PY) -m pytest $(PYTEST_ARGS)

# End-to-end tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for end-to-end tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python 3.12+ is needed (3.13 pinned in .python-version)"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

assets: imagestudio/web/static/dist/.built

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

imagestudio/web/static/dist/.built: node_modules/.installed scripts/build-assets.mjs $(shell find imagestudio -name '*.html' -o -name '*.jinja' -o -name '*.css' -path '*src*' -o -name '*.js' -path '*src*' 2>/dev/null)
	node scripts/build-assets.mjs
	touch $@

# German catalogs: update the .po files from the marked strings and compile them (the .mo files are committed,
# so `run` and `test` need no gettext). Needs GNU gettext (apt-get install gettext).
messages: install
	scripts/messages.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

fal-emulator: install
	$(PY) -m imagestudio.falemu --port $${FAL_EMULATOR_PORT:-8443} --certs-dir var/falemu

bench: install
	$(PY) benchmarks/engine.py

# Lighthouse scores of the landing page, dashboard and gallery (mobile). Installs the npm `lighthouse` into
# benchmarks/.lighthouse on first use (not in package.json); drives Debian's Chromium.
lighthouse: install assets browser
	$(PY) benchmarks/lighthouse.py

clean:
	rm -rf $(VENV) node_modules imagestudio/web/static/dist
