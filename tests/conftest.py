import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped content/ once into the test database."""
    with django_db_blocker.unblock():
        call_command("load_content", verbosity=0)


@pytest.fixture
def content_dir():
    return settings.CONTENT_DIR


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture(autouse=True)
def clear_cache(request):
    """Start every test with an empty cache. The database cache is rolled back with each
    test's transaction; other caches (Redis in CI) outlive it, so they are cleared. The
    contact page each process keeps per content version goes too: the version restarts."""
    from django.core.cache import cache

    from pit_site.enquiries.views import forget_blank_page

    forget_blank_page()
    uses_db = {"db", "transactional_db"} & set(
        request.fixturenames
    ) or request.node.get_closest_marker("django_db")
    if not uses_db and settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        yield
        return
    cache.clear()
    yield
    cache.clear()


def make_staff(username, role, name="", job_title=""):
    """A staff user made the way the clinic makes them: with create_staff_user."""
    from io import StringIO

    from django.contrib.auth import get_user_model

    call_command(
        "create_staff_user", username, "--role", role, "--name", name, "--job-title", job_title,
        stdout=StringIO(),
    )  # fmt: skip
    return get_user_model().objects.get(username=username)


@pytest.fixture
def editor(db):
    return make_staff("eddie", "editor", "Eddie Editor")


@pytest.fixture
def reviewer(db):
    return make_staff("rita", "reviewer", "Rita Reviewer", "Pain physician")


@pytest.fixture
def reception(db):
    return make_staff("rosa", "reception", "Rosa Reception")


@pytest.fixture
def desk(reception):
    """A test client signed in as ``reception``."""
    from django.test import Client

    return sign_in(Client(), reception)


def sign_in(client, user):
    """Sign ``user`` in to the test client with both steps done: like client.force_login(user),
    then marks the session as passed with a second factor, the way django-otp does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, signed in with both steps."""
    return sign_in(client, admin_user)


@pytest.fixture
def editor_client(client, editor):
    return sign_in(client, editor)


@pytest.fixture(autouse=True)
def fallback_dir(settings, tmp_path_factory):
    """The copy of the clinic's contact details goes to a fresh folder, not the project's var/
    (nor the test's own tmp_path, which tests compare whole)."""
    settings.FALLBACK_DIR = tmp_path_factory.mktemp("fallback")
    return settings.FALLBACK_DIR
