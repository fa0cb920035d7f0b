"""Headers that only the reverse proxy may set: believed from FORWARDED_ALLOW_IPS alone.

granian hands every request header to the app, from anyone. In front of everything (the page
cache keys on X-Forwarded-Proto), this drops the proxy's headers from a request that did not
come from a trusted proxy address, so nobody reaching the app server directly can claim HTTPS,
another host or another client address. It is what gunicorn's forwarded_allow_ips did for the
scheme, extended to the client-address headers the rate limit and sign-in throttling read.
"""

from django.conf import settings

# WSGI names of the headers a proxy sets; DJANGO_CLIENT_IP_HEADER is added to them.
PROXY_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
)


class TrustedProxyHeaders:
    def __init__(self, app, allowed=None, client_ip_header=None):
        self.app = app
        allowed = settings.FORWARDED_ALLOW_IPS if allowed is None else allowed
        self.trust_all = "*" in allowed
        self.allowed = frozenset(allowed)
        header = client_ip_header or settings.CLIENT_IP_HEADER
        self.headers = PROXY_HEADERS + ((header,) if header.startswith("HTTP_") else ())

    def __call__(self, environ, start_response):
        if self.trust_all or environ.get("REMOTE_ADDR") in self.allowed:
            if environ.get("HTTP_X_FORWARDED_PROTO") in ("http", "https"):
                environ["wsgi.url_scheme"] = environ["HTTP_X_FORWARDED_PROTO"]
        else:
            for name in self.headers:
                environ.pop(name, None)
        return self.app(environ, start_response)
