"""WSGI entry point for the bench (scripts/bench.py serves it with granian)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_flatpages.settings")

application = get_wsgi_application()
