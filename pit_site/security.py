from django.conf import settings


def client_ip(request):
    """The client's address, from the header the reverse proxy sets (CLIENT_IP_HEADER)."""
    return request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR", "")
