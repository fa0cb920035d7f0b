# Two commands for a newcomer: `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WEB_CONCURRENCY ?= 2
# Settings for local runs only. The secret key lives in .env (kept out of git), which the
# settings read, so manage.py works outside make too.
LOCAL_ENV = DJANGO_SECURE=0 \
	DJANGO_EMAIL_BACKEND="$${DJANGO_EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]}"
# The production command line, from the Procfile (run by a shell, as Procfile runners do).
WEB_COMMAND = $(shell sed -n 's/^web: *//p' Procfile)
STATIC_FILES := $(shell find static -type f)
TEMPLATE_FILES := $(shell find templates -type f)

.PHONY: help run dev test lint format setup content clean bench

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/\$$(PORT)/$(PORT)/g' | \
		awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when requirements.txt changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# The secret key goes into .env once (taken over from the .secret_key of older checkouts).
.PHONY: secret-key
secret-key:
	@grep -qs '^DJANGO_SECRET_KEY=' .env || { umask 077; \
		key="$$(cat .secret_key 2>/dev/null || $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(64))')"; \
		echo "DJANGO_SECRET_KEY=$$key" >> .env; echo "Wrote the secret key to .env"; }

# collectstatic only when static/ or the installed packages (admin files) changed.
staticfiles/staticfiles.json: $(STATIC_FILES) $(VENV)/.installed | secret-key
	@$(LOCAL_ENV) $(BIN)/python manage.py collectstatic --no-input -v 0
	@touch $@

setup: $(VENV)/.installed secret-key staticfiles/staticfiles.json ## Create .venv, install, migrate, load content, collect static
	@$(LOCAL_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	@$(LOCAL_ENV) $(BIN)/python manage.py load_content
	@$(MAKE) -s --no-print-directory .stamp-render

# Re-render stored pages only when the renderer (or a package it uses) changed; render_pages
# also empties the page cache, so it runs when templates or static files change too.
.stamp-render: $(wildcard pit_site/pages/render*.py) pit_site/pages/readability.py pit_site/pages/models.py \
		pit_site/pages/pictures.py pit_site/pages/figures.py pit_site/pages/glossary.py \
		pit_site/references/citations.py staticfiles/staticfiles.json $(TEMPLATE_FILES) \
		$(VENV)/.installed
	@$(LOCAL_ENV) $(BIN)/python manage.py render_pages -v 0
	@touch $@

run: setup ## Serve the site on http://127.0.0.1:$(PORT) with the Procfile's granian command, DEBUG off
	@echo "Serving on http://127.0.0.1:$(PORT) with $(WEB_CONCURRENCY) workers (Ctrl+C to stop)"
	@echo "Staff sign in at http://127.0.0.1:$(PORT)/admin/ . No account is made for you; create one with:"
	@echo "  $(BIN)/python manage.py create_staff_user YOURNAME --role admin"
	@$(LOCAL_ENV) DJANGO_DEBUG=0 PORT=$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY) PATH="$(CURDIR)/$(BIN):$$PATH" \
		GRANIAN_LOG_ACCESS_ENABLED="$${GRANIAN_LOG_ACCESS_ENABLED:-1}" exec $(WEB_COMMAND)

dev: setup ## Development server with DEBUG and auto-reload
	$(LOCAL_ENV) DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: setup ## Run the whole test suite (browser tests need /usr/bin/chromium)
	$(LOCAL_ENV) DJANGO_DEBUG=0 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed secret-key ## Measure speed vs flatpages and nginx (wrk), then search (~6 min)
	$(LOCAL_ENV) $(BIN)/python -m scripts.bench $(BENCH_ARGS)
	$(LOCAL_ENV) $(BIN)/python -m scripts.bench_search --postgres-pages 2000

clean: ## Remove the database, uploaded media, collected static files and caches (keeps .venv, .env)
	rm -rf db.sqlite3 db.sqlite3-* media staticfiles .stamp-* .pytest_cache .ruff_cache

# Lighthouse from scripts/package-lock.json, reinstalled only when the lock file changes.
scripts/node_modules/.package-lock.json: scripts/package-lock.json
	npm ci --prefix scripts --no-audit --no-fund

.PHONY: lighthouse
lighthouse: $(VENV)/.installed secret-key scripts/node_modules/.package-lock.json ## Lighthouse scores and page weight of 4 key pages (LIGHTHOUSE_ARGS="--url URL --runs N")
	$(LOCAL_ENV) CHROME_PATH="$${CHROME_PATH:-/usr/bin/chromium}" \
		$(BIN)/python -m scripts.lighthouse $(LIGHTHOUSE_ARGS)
