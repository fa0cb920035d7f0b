"""The Procfile's web: line is the one production command: what it gets from the environment,
and that `make run` runs that very line."""

import os
import subprocess

from django.conf import settings

from scripts.livesite import procfile_command, web_command

VARIABLES = ("PORT", "WEB_HOST", "WEB_CONCURRENCY", "WEB_THREADS", "WEB_MAX_RSS_MIB")


def arguments(**env):
    """The server's argv after the shell expanded the Procfile line in env (echoed, not run)."""
    base = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    command = web_command(program=["printf", r"%s\n", "granian"])
    result = subprocess.run(
        command, env={**base, **env}, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def option(argv, name):
    return argv[argv.index(name) + 1]


def test_defaults_serve_on_loopback_with_bounded_threads_restarts_and_timeouts():
    argv = arguments()
    assert argv[:3] == ["granian", "--interface", "wsgi"]
    assert argv[-1] == "pit_site.wsgi:application"
    assert (option(argv, "--host"), option(argv, "--port")) == ("127.0.0.1", "8000")
    assert option(argv, "--workers") == "2"
    # Each thread may hold a database connection: a few, not granian's default of hundreds.
    assert option(argv, "--blocking-threads") == "8"
    assert int(option(argv, "--http1-header-read-timeout")) <= 10_000  # ms, for slow clients
    assert "--respawn-failed-workers" in argv
    assert int(option(argv, "--workers-max-rss")) > 0  # a leaking worker is replaced
    assert int(option(argv, "--workers-kill-timeout")) > 0  # graceful stop, then a kill


def test_environment_sets_port_address_workers_and_threads():
    argv = arguments(PORT="9001", WEB_HOST="10.0.0.11", WEB_CONCURRENCY="4", WEB_THREADS="16")
    assert option(argv, "--port") == "9001"
    assert option(argv, "--host") == "10.0.0.11"
    assert (option(argv, "--workers"), option(argv, "--blocking-threads")) == ("4", "16")


def test_access_log_is_left_to_the_environment():
    # Off unless GRANIAN_LOG_ACCESS_ENABLED says so (make run does): a flag would override it.
    assert not any(arg.startswith(("--access-log", "--no-access-log")) for arg in arguments())


def test_make_run_runs_the_procfile_line_with_the_access_log_on():
    result = subprocess.run(
        ["make", "-n", "-o", "setup", "run", "PORT=8765"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert procfile_command() in result.stdout
    assert "PORT=8765" in result.stdout
    assert 'GRANIAN_LOG_ACCESS_ENABLED="${GRANIAN_LOG_ACCESS_ENABLED:-1}"' in result.stdout
