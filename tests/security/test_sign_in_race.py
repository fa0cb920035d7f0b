"""Simultaneous sign-in attempts cannot slip past the lockout (5 failures).

The real stack (the Procfile's server with 4 workers, DEBUG off) on a throw-away SQLite
database and, when PostgreSQL answers on 127.0.0.1:5432, on a temporary PostgreSQL database.
The harness is scripts/measure_sign_in_race.py, which prints the same measurement over several
rounds. These tests use no pytest-django database: they read the site's own.
"""

import tempfile

import pytest

from scripts import measure_sign_in_race as race

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=BACKENDS)
def site(request):
    if request.param == "postgresql" and not race.postgres_available():
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    with (
        tempfile.TemporaryDirectory(prefix="pit-signin-") as tmp,
        race.instrumented_site(request.param, tmp) as site,
    ):
        yield site


def test_after_four_failures_only_one_of_eight_simultaneous_attempts_is_checked(site):
    result = race.after_four(site, "racer")
    assert sorted(result.answers) in ([200] + [429] * 7, [302] + [429] * 7, [429] * 8), (
        result.answers
    )
    # Wrong passwords checked stay within the limit. A right password is a check too, and it
    # does not clear the failures (only the second step does), so one more wrong one may follow.
    assert result.checked - result.signed_in <= race.LIMIT


def test_twelve_simultaneous_wrong_passwords_count_as_five_guesses(site):
    result = race.burst(site, "burster")
    assert result.checked == race.LIMIT
    assert sorted(result.answers) == [200] * 4 + [429] * 8
