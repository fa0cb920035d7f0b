import pytest
from django.contrib.auth.models import User

from pit_site.clinic.models import Clinic
from tests.clinic.admin_form import UNCHANGED_TEAM
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("boss", "boss@clinic.example", "a-long-test-password-1")
    sign_in(client, user)
    return client


def test_staff_edit_the_one_set_of_clinic_details_in_the_admin(admin_client, client):
    response = admin_client.get("/admin/clinic/clinic/")
    assert response.status_code == 302 and response["Location"].endswith("/clinic/clinic/1/change/")
    form = admin_client.get("/admin/clinic/clinic/1/change/")
    assert form.status_code == 200 and b"Example Pain Clinic" in form.content
    assert b'href="/admin/clinic/clinic/add/"' not in admin_client.get("/admin/").content

    data = {
        "name": "Riverside <b>Pain</b> Clinic",
        "phone": "020 7946 0018",
        "email": "reception@riverside.example",
        "address": "2 River Road\nTown",
        "opening_hours": "Weekdays 8 to 6",
        "reply_time": "the next working day",
        "notification_emails": "desk@riverside.example, manager@riverside.example",
        "emergency_number": "999",
        "urgent_advice": "Call 999 in an emergency.",
    }
    response = admin_client.post("/admin/clinic/clinic/1/change/", data | UNCHANGED_TEAM)
    assert response.status_code == 302
    page = client.get("/contact/").content.decode()
    assert "Riverside &lt;b&gt;Pain&lt;/b&gt; Clinic" in page  # escaped, not markup
    assert "the next working day" in page
    assert Clinic.load().notification_address_list == [
        "desk@riverside.example", "manager@riverside.example",
    ]  # fmt: skip


def test_bad_clinic_details_get_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/clinic/clinic/1/change/",
        {"name": "", "email": "not-an-email", "phone": "x" * 41, "emergency_number": "999",
         "notification_emails": "desk@riverside.example, <script>"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"name", "email", "phone", "address"} <= set(errors)
    assert Clinic.load().name == "Example Pain Clinic"


def test_clinic_details_cannot_be_deleted_or_duplicated(admin_client):
    assert admin_client.get("/admin/clinic/clinic/1/delete/").status_code == 403
    assert admin_client.get("/admin/clinic/clinic/add/").status_code == 403


def test_notification_addresses_must_be_email_addresses(admin_client):
    data = {
        "name": "Clinic", "phone": "01632 960 123", "email": "a@clinic.example",
        "address": "1 Road", "opening_hours": "9 to 5", "reply_time": "soon",
        "emergency_number": "999", "urgent_advice": "Call 999.",
        "notification_emails": "desk@clinic.example\n<script>alert(1)</script>",
    }  # fmt: skip
    response = admin_client.post("/admin/clinic/clinic/1/change/", data)
    assert response.status_code == 200
    assert "is not an email address" in str(response.context["adminform"].form.errors)
