import os

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Media as configured (MEDIA_STORAGE); static files without the manifest collectstatic makes.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tests that need a real broker set CELERY_BROKER_URL; the rest keep messages in memory
# instead of leaving files under var/broker.
if "CELERY_BROKER_URL" not in os.environ:
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}

# Tests edit policies between transitions; read them fresh every time, and /readyz too.
SLA_POLICY_CACHE_SECONDS = 0
READY_CACHE_SECONDS = 0

# Rate counters in the database table (migration 0009 makes it in the test database), never
# in the Redis the broker uses: tests clear them (tests/open311/conftest.py).
CACHES = {
    **CACHES,  # noqa: F405
    "ratelimit": {
        "BACKEND": "casework.ratelimit.LockingDatabaseCache",
        "LOCATION": "casework_ratelimit_cache",
        "TIMEOUT": 24 * 3600,
    },
}
