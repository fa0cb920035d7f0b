"""Sign-in throttling (django-axes): repeated wrong passwords pause that account's sign-in."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import sign_in as sign_in_both_steps

pytestmark = pytest.mark.django_db


def sign_in(client, password, username="staffer"):
    return client.post("/admin/login/", {"username": username, "password": password,
                                         "next": "/admin/"})  # fmt: skip


def test_five_failures_lock_the_account_from_that_address_even_with_the_right_password():
    User.objects.create_user("staffer", password="a-Long-correct-password-1", is_staff=True)
    client = Client()
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with an error
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    assert b"Sign-in paused" in locked.content
    assert sign_in(client, "a-Long-correct-password-1").status_code == 429

    other = Client(REMOTE_ADDR="203.0.113.50")  # another person, elsewhere, is not locked out
    assert sign_in(other, "a-Long-correct-password-1").status_code == 302


def test_successful_sign_in_works_and_hostile_user_names_are_harmless():
    User.objects.create_user("staffer", password="a-Long-correct-password-1", is_staff=True)
    client = Client()
    for name in ["' OR 1=1 --", "<script>alert(1)</script>", "\u202eadmin", "x" * 5000]:
        assert sign_in(client, "pw", username=name).status_code in (200, 429)
    assert sign_in(Client(), "a-Long-correct-password-1").status_code == 302


def test_wrong_old_passwords_on_the_password_change_form_count_towards_the_lockout():
    user = User.objects.create_user("staffer", password="a-Long-correct-password-1", is_staff=True)
    client = Client()
    sign_in_both_steps(client, user)

    def change(old):
        return client.post("/admin/password_change/", {
            "old_password": old, "new_password1": "a-New-long-password-2",
            "new_password2": "a-New-long-password-2",
        })  # fmt: skip

    for _ in range(4):
        response = change("wrong")
        assert response.status_code == 200
        assert "old password was entered incorrectly" in response.content.decode()
    assert change("wrong").status_code == 429
    assert change("a-Long-correct-password-1").status_code == 429  # paused, even if right
    user.refresh_from_db()
    assert user.check_password("a-Long-correct-password-1")
    assert sign_in(Client(), "a-Long-correct-password-1").status_code == 429  # same lockout


def test_the_password_change_form_still_works_with_the_right_old_password():
    user = User.objects.create_user("staffer", password="a-Long-correct-password-1", is_staff=True)
    client = Client()
    sign_in_both_steps(client, user)
    response = client.post("/admin/password_change/", {
        "old_password": "a-Long-correct-password-1", "new_password1": "a-New-long-password-2",
        "new_password2": "a-New-long-password-2",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("/password_change/done/")
    user.refresh_from_db()
    assert user.check_password("a-New-long-password-2")
