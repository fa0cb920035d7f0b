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
def clear_cache():
    """The cache outlives each test's database rollback; start every test without it."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
