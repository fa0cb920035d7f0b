from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args, stdin=None, monkeypatch=None):
    out = StringIO()
    call_command("create_staff_user", *args, stdout=out)
    return out.getvalue()


def test_creates_a_staff_user_in_a_role_with_a_one_time_password():
    out = run("sam", "--role", "reviewer", "--name", "Sam Patel", "--job-title", "Physiotherapist",
              "--email", "sam@clinic.example")  # fmt: skip
    user = User.objects.get(username="sam")
    assert user.is_staff and not user.is_superuser
    assert {g.name for g in user.groups.all()} == {"Content editors", "Clinical reviewers"}
    assert user.get_full_name() == "Sam Patel"
    assert user.staff_profile.job_title == "Physiotherapist"
    password = out.split("Password (shown once, change it after signing in): ")[1].strip()
    assert user.check_password(password) and len(password) >= 20


def test_password_from_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("a-Long-test-password-42\n"))
    out = run("pat", "--role", "editor", "--password-stdin")
    assert "Password" not in out
    assert User.objects.get(username="pat").check_password("a-Long-test-password-42")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["<script>", "--role", "editor"], "Enter a valid username"),
        (["x" * 151, "--role", "editor"], "at most 150"),
        (["ok", "--role", "editor", "--email", "not-an-email"], "valid email"),
        (["ok", "--role", "editor", "--name", "A\x00B"], "invalid characters"),
        (["ok", "--role", "editor", "--job-title", "t" * 121], "too long"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not User.objects.filter(is_staff=True).exists()


def test_unknown_role_and_duplicate_user_are_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        run("ok", "--role", "boss")
    run("ok", "--role", "editor")
    with pytest.raises(CommandError, match="already exists"):
        run("OK", "--role", "editor")


def test_weak_password_is_refused(monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("password\n"))
    with pytest.raises(CommandError, match="Password refused: .*too common.*Nothing was created"):
        run("weak", "--role", "editor", "--password-stdin")
    assert not User.objects.filter(username="weak").exists()


def test_on_a_terminal_a_weak_password_is_asked_for_again(monkeypatch):
    answers = iter(["password", "password", "a-Long-test-password-42", "a-Long-test-password-42"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    err = StringIO()
    call_command("create_staff_user", "kim", "--role", "editor", stdout=StringIO(), stderr=err)
    assert "too common" in err.getvalue() and "Try another" in err.getvalue()
    assert User.objects.get(username="kim").check_password("a-Long-test-password-42")


def test_on_a_terminal_three_weak_passwords_create_nothing(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "password")
    with pytest.raises(CommandError, match="No acceptable password after 3 tries"):
        call_command("create_staff_user", "kim", "--role", "editor", stdout=StringIO(),
                     stderr=StringIO())  # fmt: skip
    assert not User.objects.filter(username="kim").exists()


def test_explains_the_first_sign_in_with_a_second_factor():
    out = run("kim", "--role", "reception")
    assert "set up a second factor" in out and "recovery codes" in out
    assert "/admin/" in out
