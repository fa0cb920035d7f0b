"""gunicorn settings: `gunicorn -c pit_site/gunicorn.conf.py pit_site.wsgi`.

Threaded workers (gthread) keep serving while a browser holds an idle connection open,
which a plain sync worker cannot do without a buffering proxy in front. Each setting can
be overridden with the usual GUNICORN_CMD_ARGS or the environment variables below.
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# gunicorn quietly turns "sync" into "gthread" when threads > 1, so only thread gthread workers.
threads = int(os.environ.get("GUNICORN_THREADS", "4")) if worker_class == "gthread" else 1
timeout = 30
graceful_timeout = 20
keepalive = 5
# Restart workers now and then, so a slow leak can never grow without bound. Cached pages are
# served at thousands a second, so this is high: a restart costs a second of slow replies.
max_requests = 200_000
max_requests_jitter = 20_000
# Trust X-Forwarded-* only from the reverse proxy (set to its address in production).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The reverse proxy logs every request; gunicorn's own access log costs about 200 us of CPU per
# request (a third of a cached page's cost), so it is off unless asked for: GUNICORN_ACCESS_LOG=-
# (standard output, as `make run` sets) or a file path.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# Log the request line without the query string: it can hold a signed enquiry reference.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
control_socket_disable = True
