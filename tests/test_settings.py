"""Settings come from the environment and are safe by default."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

GOOD_KEY = "k" * 20 + "-random-enough-for-a-test-run-of-the-settings" * 2


def load_settings(**env):
    """Import the settings in a clean process with exactly these variables (and no .env file,
    unless DJANGO_ENV_FILE is given)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "PORT"))
    }
    code = (
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
        "'db': s.DATABASES['default']['ENGINE'], 'name': s.DATABASES['default']['NAME'], "
        "'cache': s.CACHES['default']['BACKEND'], 'secure': s.SESSION_COOKIE_SECURE, "
        "'site_url': s.SITE_URL, "
        "'cache_options': s.CACHES['default'].get('OPTIONS'), "
        "'db_options': s.DATABASES['default'].get('OPTIONS')}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "pit_site.settings",
            "DJANGO_ENV_FILE": os.devnull,
            **env,
        },
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
    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS="clinic.example")
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hosts"] == ["clinic.example"]
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["cache"].endswith("DatabaseCache")  # shared by all worker processes
    assert values["secure"] is True


def test_debug_can_be_asked_for_and_then_needs_no_key():
    assert json.loads(load_settings(DJANGO_DEBUG="1").stdout)["debug"] is True


def test_nonsense_debug_value_is_refused():
    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_DEBUG="maybe")
    assert result.returncode != 0 and "DJANGO_DEBUG must be true or false" in result.stderr


def test_database_and_cache_urls():
    values = json.loads(
        load_settings(
            DJANGO_SECRET_KEY=GOOD_KEY,
            DATABASE_URL="postgres://clinic@db.internal:5432/pit",
            REDIS_URL="redis://cache.internal:6379/0",
        ).stdout
    )
    assert values["db"] == "django.db.backends.postgresql"
    assert values["name"] == "pit"
    # Redis fails soft, within a short timeout; PostgreSQL gives up connecting in seconds.
    assert values["cache"] == "pit_site.cache.FailSoftRedisCache"
    assert values["cache_options"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    assert values["db_options"] == {"connect_timeout": 5}


@pytest.mark.parametrize("value", ["0", "-1", "11", "soon"])
def test_redis_timeout_must_be_a_short_positive_number(value):
    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, REDIS_TIMEOUT=value)
    assert result.returncode != 0 and "REDIS_TIMEOUT must be" in result.stderr


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_site_address_follows_the_port_unless_set():
    # Staff emails link here: `make run PORT=8765` must not send them to port 8000.
    values = json.loads(load_settings(DJANGO_SECRET_KEY=GOOD_KEY, PORT="8765").stdout)
    assert values["site_url"] == "http://127.0.0.1:8765"
    values = json.loads(load_settings(DJANGO_SECRET_KEY=GOOD_KEY).stdout)
    assert values["site_url"] == "http://127.0.0.1:8000"
    values = json.loads(
        load_settings(
            DJANGO_SECRET_KEY=GOOD_KEY, PORT="8765", DJANGO_SITE_URL="https://clinic.example/"
        ).stdout
    )
    assert values["site_url"] == "https://clinic.example"


def test_settings_read_an_env_file_and_real_variables_win(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"# written by make setup\nDJANGO_SECRET_KEY={GOOD_KEY}\nDJANGO_ALLOWED_HOSTS=from.file\n"
    )
    values = json.loads(load_settings(DJANGO_ENV_FILE=str(env_file)).stdout)
    assert values["hosts"] == ["from.file"]
    values = json.loads(
        load_settings(DJANGO_ENV_FILE=str(env_file), DJANGO_ALLOWED_HOSTS="clinic.example").stdout
    )
    assert values["hosts"] == ["clinic.example"]  # production's real variables override it


def test_manage_py_works_without_exporting_the_key_when_the_project_has_a_env_file(tmp_path):
    """The README's commands, pasted as written: the key comes from .env in the project folder."""
    project = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR,
        project,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "staticfiles", "media", "db.sqlite3*", ".env",
            "__pycache__", ".pytest_cache", ".ruff_cache",
        ),
    )  # fmt: skip
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=project,
            env=base,
            capture_output=True,
            text=True,
            check=False,
        )

    refused = manage("check")
    assert refused.returncode != 0 and "Set DJANGO_SECRET_KEY" in refused.stderr
    (project / ".env").write_text(f"DJANGO_SECRET_KEY={GOOD_KEY}\n")
    result = manage("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
