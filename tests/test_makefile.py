"""The Makefile's own behaviour: help, clean, a quiet and quick `make run`, the local .env."""

import os
import shutil
import stat
import subprocess

from django.conf import settings

ROOT = settings.BASE_DIR


def make(*args, cwd=ROOT, **env):
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def recipe(target):
    """The recipe lines of target in the Makefile (continuation lines joined)."""
    lines = (ROOT / "Makefile").read_text().replace("\\\n", " ").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        body.append(line[1:])
    return body


def test_help_shows_the_port_it_would_use():
    out = make("help", "PORT=8765")
    assert "http://127.0.0.1:8765" in out
    assert "$(" not in out


def test_clean_removes_uploaded_media_too():
    out = make("-n", "clean")
    assert "media" in out.split()


def test_make_run_does_not_echo_its_commands():
    # Only its own messages are printed: the server command line is not echoed at start.
    assert all(line.startswith("@") for line in recipe("run"))


def test_collectstatic_runs_only_when_static_files_change():
    assert "collectstatic" not in " ".join(recipe("setup"))
    changed = make("-n", "-W", "static/css/site.css", "staticfiles/staticfiles.json")
    assert "collectstatic" in changed


def test_render_pages_runs_only_when_the_renderer_changes():
    assert "render_pages" not in " ".join(recipe("setup"))
    changed = make("-n", "-W", "pit_site/pages/rendering.py", ".stamp-render")
    assert "render_pages" in changed
    # It empties the page cache too: cached pages must not keep an old template or stylesheet.
    assert "render_pages" in make("-n", "-W", "templates/base.html", ".stamp-render")


def test_secret_key_goes_to_dot_env_once_taken_over_from_secret_key_file(tmp_path):
    for name in ("Makefile", "Procfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    old_key = "an-older-checkouts-key-" + "x" * 60
    (tmp_path / ".secret_key").write_text(old_key + "\n")
    make("secret-key", cwd=tmp_path)
    env_file = tmp_path / ".env"
    assert f"DJANGO_SECRET_KEY={old_key}\n" in env_file.read_text()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # readable by its owner only
    make("secret-key", cwd=tmp_path)
    assert env_file.read_text().count("DJANGO_SECRET_KEY=") == 1  # written once, kept after


def test_a_new_checkout_gets_a_random_key(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / ".env").write_text("DJANGO_LOG_LEVEL=DEBUG\n")  # someone's own .env is kept
    make("secret-key", cwd=tmp_path)
    lines = (tmp_path / ".env").read_text().splitlines()
    assert lines[0] == "DJANGO_LOG_LEVEL=DEBUG"
    key = lines[1].removeprefix("DJANGO_SECRET_KEY=")
    assert len(key) >= 50 and key != lines[1]
