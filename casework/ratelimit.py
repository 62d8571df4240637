"""Rate limits for the residents' doors, counted by django-ratelimit.

django-ratelimit is the well-kept standard for this in Django (fixed windows kept in a
cache, a plain function to ask "is this request over?"), so the doors only say what to count
and how many. Its counters must be shared by every gunicorn worker and machine: Redis where
the deployment has it, else the database (settings.CACHES["ratelimit"]).

Django's DatabaseCache increments by reading then writing, so two workers could both count
"n + 1". `LockingDatabaseCache` does the read and the write in one transaction holding the
row: `SELECT … FOR UPDATE` on PostgreSQL, and on SQLite the write lock its IMMEDIATE
transactions take at BEGIN (config.settings.base).
"""

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django_ratelimit.core import is_ratelimited


class LockingDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)


def open311_post_over_limit(request, *, api_key_id: int) -> bool:
    """Count this POST against its API key; True once the key is over OPEN311_POST_RATE."""
    return is_ratelimited(
        request,
        group="open311-post",
        key=lambda _group, _request: f"key-{api_key_id}",
        rate=settings.OPEN311_POST_RATE,
        increment=True,
    )


def public_submit_over_limit(request) -> bool:
    """Count this submission against the client's IP; True once over PUBLIC_SUBMIT_RATE."""
    return is_ratelimited(
        request, group="public-submit", key="ip", rate=settings.PUBLIC_SUBMIT_RATE, increment=True
    )


def retry_after_seconds(rate: str) -> int:
    """The window's length: an honest upper bound for Retry-After."""
    count, _, rest = rate.partition("/")
    multiplier = int(rest[:-1] or 1)
    return multiplier * {"s": 1, "m": 60, "h": 3600, "d": 86400}[rest[-1]]


def resident_export_over_limit(request) -> bool:
    """Count this export against the staff member; True once over RESIDENT_EXPORT_RATE."""
    return is_ratelimited(
        request,
        group="resident-export",
        key="user",
        rate=settings.RESIDENT_EXPORT_RATE,
        increment=True,
    )
