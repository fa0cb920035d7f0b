"""WSGI entry point: gunicorn --chdir scripts bench_flatpages.wsgi"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_flatpages.settings")

application = get_wsgi_application()
