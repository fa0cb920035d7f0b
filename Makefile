# Two commands for a newcomer: `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WEB_CONCURRENCY ?= 2
# A random secret key made once per checkout and kept out of git (.secret_key).
SECRET_KEY_FILE := .secret_key
LOCAL_ENV = DJANGO_SECRET_KEY="$$(cat $(SECRET_KEY_FILE))" DJANGO_SECURE=0 \
	DJANGO_EMAIL_BACKEND="$${DJANGO_EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]}"

.PHONY: help run dev test lint format setup content clean bench

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when requirements.txt changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(SECRET_KEY_FILE):
	umask 077; $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(64))' > $@

setup: $(VENV)/.installed $(SECRET_KEY_FILE) ## Create .venv, install, migrate, load content, collect static
	@$(LOCAL_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	@$(LOCAL_ENV) $(BIN)/python manage.py load_content
	@$(LOCAL_ENV) $(BIN)/python manage.py render_pages
	@$(LOCAL_ENV) $(BIN)/python manage.py collectstatic --no-input -v 0

run: setup ## Serve the site on http://127.0.0.1:$(PORT) with gunicorn + whitenoise, DEBUG off
	@echo "Serving on http://127.0.0.1:$(PORT) with $(WEB_CONCURRENCY) workers (Ctrl+C to stop)"
	@echo "Staff sign in at http://127.0.0.1:$(PORT)/admin/ . No account is made for you; create one with:"
	@echo "  DJANGO_SECRET_KEY=\"\$$(cat .secret_key)\" $(BIN)/python manage.py create_staff_user YOURNAME --role admin"
	$(LOCAL_ENV) DJANGO_DEBUG=0 PORT=$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY) \
		GUNICORN_ACCESS_LOG="$${GUNICORN_ACCESS_LOG:--}" $(BIN)/gunicorn -c pit_site/gunicorn.conf.py pit_site.wsgi

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

bench: $(VENV)/.installed $(SECRET_KEY_FILE) ## Measure speed vs plain flatpages and nginx (wrk, ~4 min)
	$(LOCAL_ENV) $(BIN)/python -m scripts.bench $(BENCH_ARGS)

clean: ## Remove the database, collected static files and caches (keeps .venv)
	rm -rf db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache

# Lighthouse from scripts/package-lock.json, reinstalled only when the lock file changes.
scripts/node_modules/.package-lock.json: scripts/package-lock.json
	npm ci --prefix scripts --no-audit --no-fund

.PHONY: lighthouse
lighthouse: $(VENV)/.installed $(SECRET_KEY_FILE) scripts/node_modules/.package-lock.json ## Lighthouse scores and page weight of 4 key pages (LIGHTHOUSE_ARGS="--url URL --runs N")
	$(LOCAL_ENV) CHROME_PATH="$${CHROME_PATH:-/usr/bin/chromium}" \
		$(BIN)/python -m scripts.lighthouse $(LIGHTHOUSE_ARGS)
