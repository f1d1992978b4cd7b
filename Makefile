# CRB Analyser. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
NODE_STAMP := site/node_modules/.installed-$(shell sha1sum site/package-lock.json | cut -c1-12)
CHROMIUM := /usr/lib/chromium/chromium

.PHONY: help setup system-packages run test site bench lint

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: system-packages $(STAMP) $(NODE_STAMP) ## install Chromium, fonts, npm, the Python environment, axe-core and the Supabase CLI (quick when present)

system-packages: ## Debian's chromium, fonts, poppler, a C compiler and npm, only if missing (needs root)
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	test -d /usr/share/fonts/truetype/dejavu || missing="$$missing fonts-dejavu-core"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v cc >/dev/null || missing="$$missing gcc libc6-dev"; \
	command -v make >/dev/null || missing="$$missing make"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root, or: sudo apt-get install$$missing"; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# axe-core for the browser tests and the Supabase CLI (pinned) for the migrations' test, from the npm registry;
# without npm (or offline) the rest still installs.
$(NODE_STAMP): site/package.json site/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  echo "npm not found: the tests need it for axe-core and the Supabase CLI (apt-get install npm)"; \
	elif (cd site && npm ci --no-audit --no-fund --loglevel=error); then \
	  rm -f site/node_modules/.installed-* && touch $@; \
	else echo "npm ci failed in site/: the tests need axe-core and the Supabase CLI"; fi

run: setup site ## build the site, then run Postgres, Redis, edge, renderer and worker (embedded defaults unless configured)
	$(BIN)/crb up

test: setup ## run the whole test suite against real Postgres, Redis and Chromium
	@set +e; $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken"; exit 1; fi; exit $$rc

site: setup ## build the static site into site/dist/ (SITE_API_BASE=https://api… when it is not served by the edge)
	$(BIN)/python site/build.py

bench: setup ## benchmarks: renderer and webhook figures (printed, never asserted)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: setup ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
