"""A Redis cache that fails soft: when Redis is down, the site carries on without it.

The cache only makes pages fast; it must never be the reason they fail. ``FailSoftRedisCache``
is Django's RedisCache with three changes when Redis refuses, hangs or drops a connection
(redis-py's ConnectionError or TimeoutError; the socket timeouts in settings bound a hang):

- reads are misses (``get`` gives the default, ``add``/``touch``/``has_key`` give False,
  ``incr`` raises ValueError as for a missing key), and writes and deletes do nothing;
- for ``RETRY_SECONDS`` after a failure this process does not try Redis at all (a circuit
  breaker), so requests do not each wait for a timeout; the first call after that tries again,
  and caching resumes on its own once Redis answers;
- the outage is logged once, then at most once every ``LOG_SECONDS`` per process, and its end
  once.

Anything else (a wrong command, a value that cannot be unpickled) still raises: those are bugs,
not outages. Callers see an empty cache; see docs/decisions/0009-cache-fails-open.md.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0  # after a failure, skip Redis this long before trying again
LOG_SECONDS = 60.0  # log an ongoing outage at most this often (per process)
OUTAGE = (RedisConnectionError, RedisTimeoutError)


class _Outage:
    """One process's view of one Redis server, shared by its threads (Django makes a cache
    object per thread)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.since = None  # when the current outage began (monotonic), None while Redis answers
        self.retry_at = 0.0
        self.logged_at = 0.0
        self.failed_calls = 0

    def skipping(self):
        return self.since is not None and time.monotonic() < self.retry_at

    def failed(self, error):
        now = time.monotonic()
        with self.lock:
            first = self.since is None
            if first:
                self.since = now
            self.retry_at = now + RETRY_SECONDS
            self.failed_calls += 1
            due = first or now - self.logged_at >= LOG_SECONDS
            if due:
                self.logged_at = now
        if due:
            logger.warning(
                "Cache unavailable for %.0f s (%s: %s); pages are served without it, "
                "retrying every %.0f s and logging this at most every %.0f s",
                now - self.since, error.__class__.__name__, error, RETRY_SECONDS, LOG_SECONDS,
            )  # fmt: skip

    def answered(self):
        if self.since is None:
            return
        with self.lock:
            since, calls, self.since, self.failed_calls = self.since, self.failed_calls, None, 0
        if since is not None:
            logger.warning(
                "Cache answering again after %.0f s (%d calls went without it)",
                time.monotonic() - since, calls,
            )  # fmt: skip


_outages = {}  # location -> _Outage, per process


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.outage = _outages.setdefault(str(server), _Outage())

    @property
    def available(self):
        """False during an outage, when calls give their fallback (``add`` gives False)."""
        return self.outage.since is None

    def _call(self, method, fallback, *args, **kwargs):
        if self.outage.skipping():
            return fallback()
        try:
            result = method(*args, **kwargs)
        except OUTAGE as error:
            self.outage.failed(error)
            return fallback()
        self.outage.answered()
        return result

    def get(self, key, default=None, version=None):
        return self._call(super().get, lambda: default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, dict, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, lambda: False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, lambda: False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, lambda: None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, lambda: list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, lambda: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, lambda: False, key, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, lambda: None, keys, version)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")

        return self._call(super().incr, missing, key, delta, version)

    def clear(self):
        return self._call(super().clear, lambda: False)
