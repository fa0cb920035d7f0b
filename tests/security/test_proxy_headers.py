"""Proxy headers (X-Forwarded-*, X-Real-IP) count only from FORWARDED_ALLOW_IPS (pit_site/proxy.py).

granian passes every header on, from anyone: without this a client reaching the app server
directly could claim HTTPS or another address.
"""

from pit_site.proxy import TrustedProxyHeaders

CLAIMS = {
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_FOR": "203.0.113.9",
    "HTTP_X_FORWARDED_HOST": "evil.example",
    "HTTP_FORWARDED": "for=203.0.113.9;proto=https",
    "HTTP_X_REAL_IP": "203.0.113.9",
    "HTTP_CF_CONNECTING_IP": "203.0.113.9",
}


def seen_by_app(remote_addr, allowed, client_ip_header="HTTP_CF_CONNECTING_IP"):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return [b""]

    middleware = TrustedProxyHeaders(app, allowed=allowed, client_ip_header=client_ip_header)
    environ = {"REMOTE_ADDR": remote_addr, "wsgi.url_scheme": "http", "PATH_INFO": "/", **CLAIMS}
    middleware(environ, lambda *args: None)
    return seen


def test_headers_from_anyone_else_are_dropped():
    seen = seen_by_app("198.51.100.7", allowed=["127.0.0.1", "::1"])
    assert not set(CLAIMS) & set(seen)  # the configured client-address header too
    assert seen["wsgi.url_scheme"] == "http"
    assert seen["REMOTE_ADDR"] == "198.51.100.7"


def test_headers_from_the_proxy_are_kept_and_give_the_scheme():
    seen = seen_by_app("10.0.0.5", allowed=["10.0.0.5"])
    assert {k: seen[k] for k in CLAIMS} == CLAIMS
    assert seen["wsgi.url_scheme"] == "https"


def test_star_trusts_every_address():
    assert seen_by_app("198.51.100.7", allowed=["*"])["HTTP_X_REAL_IP"] == "203.0.113.9"


def test_the_site_is_wrapped_and_trusts_loopback_by_default():
    from pit_site.wsgi import application

    assert isinstance(application, TrustedProxyHeaders)
    assert application.allowed == {"127.0.0.1", "::1"}
