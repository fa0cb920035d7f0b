import logging

from django.conf import settings


def client_ip(request):
    """The client's address, from the header the reverse proxy sets (CLIENT_IP_HEADER)."""
    return request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR", "")


def sign_in_username(request, credentials):
    """The user name django-axes records, cut to what its table holds (hostile input is long)."""
    source = credentials or request.POST
    return str(source.get("username", ""))[:150]


class NoTraceback(logging.Filter):
    """Log the message only: expected refusals need no traceback."""

    def filter(self, record):
        record.exc_info = record.exc_text = record.stack_info = None
        return True
