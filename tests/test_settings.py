"""Settings come from the environment and are safe by default."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

GOOD_KEY = "k" * 20 + "-random-enough-for-a-test-run-of-the-settings" * 2


def load_settings(**env):
    """Import the settings in a clean process with exactly these variables."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    code = (
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
        "'db': s.DATABASES['default']['ENGINE'], 'name': s.DATABASES['default']['NAME'], "
        "'cache': s.CACHES['default']['BACKEND'], 'secure': s.SESSION_COOKIE_SECURE}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "pit_site.settings", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 60])
def test_refuses_weak_secret_keys(key):
    result = load_settings(DJANGO_SECRET_KEY=key)
    assert result.returncode != 0 and "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_defaults_are_safe():
    import json

    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS="clinic.example")
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hosts"] == ["clinic.example"]
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["cache"].endswith("DatabaseCache")  # shared by all worker processes
    assert values["secure"] is True


def test_debug_can_be_asked_for_and_then_needs_no_key():
    import json

    assert json.loads(load_settings(DJANGO_DEBUG="1").stdout)["debug"] is True


def test_nonsense_debug_value_is_refused():
    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_DEBUG="maybe")
    assert result.returncode != 0 and "DJANGO_DEBUG must be true or false" in result.stderr


def test_database_and_cache_urls():
    import json

    values = json.loads(
        load_settings(
            DJANGO_SECRET_KEY=GOOD_KEY,
            DATABASE_URL="postgres://clinic@db.internal:5432/pit",
            REDIS_URL="redis://cache.internal:6379/0",
        ).stdout
    )
    assert values["db"] == "django.db.backends.postgresql"
    assert values["name"] == "pit"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
