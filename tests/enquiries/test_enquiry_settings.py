"""The enquiry settings are checked when the site starts: a mistake stops it with a clear
message, rather than turning patients away (or letting bots through) later."""

import pytest

from tests.test_settings import GOOD_KEY, load_settings


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ENQUIRY_PHONE_REGION": "UK"}, "ENQUIRY_PHONE_REGION must be a two-letter region"),
        ({"ENQUIRY_PHONE_REGION": "Britain"}, "ENQUIRY_PHONE_REGION must be a two-letter region"),
        ({"ENQUIRY_MIN_SECONDS": "5"}, "ENQUIRY_MIN_SECONDS must be a number of seconds from 0"),
        ({"ENQUIRY_MIN_SECONDS": "-1"}, "ENQUIRY_MIN_SECONDS must be a number of seconds from 0"),
        ({"ENQUIRY_MIN_SECONDS": "nan"}, "ENQUIRY_MIN_SECONDS must be a number of seconds"),
        ({"ENQUIRY_MIN_SECONDS": "three"}, "ENQUIRY_MIN_SECONDS must be a number of seconds"),
    ],
)
def test_a_bad_enquiry_setting_stops_the_site_with_a_clear_message(env, message):
    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.parametrize("env", [{"ENQUIRY_PHONE_REGION": " ie "}, {"ENQUIRY_MIN_SECONDS": "0"},
                                 {"ENQUIRY_MIN_SECONDS": "2.5"}])  # fmt: skip
def test_good_enquiry_settings_start(env):
    assert load_settings(DJANGO_SECRET_KEY=GOOD_KEY, **env).returncode == 0
