"""Helpers the tests share (fixtures live in conftest.py)."""

from bs4 import BeautifulSoup
from django.test import RequestFactory


def wsgi_get(app, path, **headers):
    """GET path from a WSGI app (such as the page cache): {"status", "headers", "body"}."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", **headers)
    environ["QUERY_STRING"] = headers.get("QUERY_STRING", "")
    result = {}

    def start_response(status, response_headers, exc_info=None):
        result["status"], result["headers"] = status, dict(response_headers)

    result["body"] = b"".join(app(environ, start_response))
    return result


def make_enquiry(**fields):
    """An enquiry in the database, as the contact form stores one; ``fields`` change it."""
    from django.utils import timezone

    from pit_site.enquiries.models import Enquiry

    values = {
        "name": "Pat Example", "email": "pat@example.org", "phone": "+441632960555",
        "kind": "question", "condition": "Knee pain", "message": "Does it hurt?",
        "consent_at": timezone.now(), "privacy_version": "test",
    }  # fmt: skip
    values.update(fields)
    return Enquiry.objects.create(**values)


def enquiry_data(client, **changes):
    """A contact form a patient would send, with the timing token from a fresh GET."""
    page = BeautifulSoup(client.get("/contact/").content.decode(), "html.parser")
    data = {
        "name": "Sam Rivers", "email": "sam@example.org", "phone": "", "kind": "question",
        "preferred_contact": "email", "condition": "", "preferred_times": "",
        "message": "A question about the first visit.", "consent": "on", "website": "",
        "shown": page.find("input", attrs={"name": "shown"})["value"],
    }  # fmt: skip
    data.update(changes)
    return data
