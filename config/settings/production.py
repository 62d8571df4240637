"""Production: PostgreSQL, a real broker, and secrets only from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSECURE_DEV_SECRET, env_bool

DEBUG = env_bool("DEBUG", False)
if SECRET_KEY == INSECURE_DEV_SECRET or len(SECRET_KEY) < 32:  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 32 characters.")
if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("Set DATABASE_URL (postgres://…) in production.")

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
