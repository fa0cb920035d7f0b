"""/healthz for load balancers: is this app server able to serve? No details leak out."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache():
    key, value = f"healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, 10)
    ok = cache.get(key) == value
    cache.delete(key)
    return ok


@never_cache
@require_safe
def healthz(request):
    """200 while the database answers; 503 when it does not.

    A cache outage is reported ("degraded", "cache": "unavailable") but is not a reason to take
    the server out of the load balancer: pages are then rendered from the database
    (docs/decisions/0009-cache-fails-open.md), and every server shares the same cache.
    """
    checks = {}
    for name, check in (("database", _database), ("cache", _cache)):
        try:
            checks[name] = "ok" if check() else "unavailable"
        except Exception:  # any failure means "not healthy"; the log has the reason
            logger.exception("Health check: %s failed", name)
            checks[name] = "unavailable"
    if checks["database"] != "ok":
        status = "unavailable"
    else:
        status = "ok" if checks["cache"] == "ok" else "degraded"
    code = 503 if status == "unavailable" else 200
    return JsonResponse({"status": status, **checks}, status=code)
