"""Production: PostgreSQL, a real broker, and secrets only from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSECURE_DEV_SECRET, env_bool, env_int, env_list

DEBUG = env_bool("DEBUG", False)
if SECRET_KEY == INSECURE_DEV_SECRET or len(SECRET_KEY) < 32:  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 32 characters.")
if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("Set DATABASE_URL (postgres://…) in production.")

# ---------------------------------------------------------------- HTTPS (SECURITY.md, README)
# Plain HTTP is redirected to HTTPS, browsers are told to use only HTTPS for a year, and the
# session and CSRF cookies never travel in clear. Behind a proxy that terminates TLS, the
# proxy says the request came over HTTPS in SECURE_PROXY_SSL_HEADER ("HEADER=value", Django's
# META name; "off" when nothing sits in front of the app — a client could send the header
# itself); the proxy must overwrite that header. SECURE_REDIRECT_EXEMPT lists path regexes
# (without the leading slash) answered over plain HTTP too, besides the health checks,
# which a load balancer probes over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# /metrics only with METRICS_TOKEN: nginx in front on the same machine looks local.
METRICS_LOCAL_SCRAPES = env_bool("METRICS_LOCAL_SCRAPES", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", *env_list("SECURE_REDIRECT_EXEMPT", "")]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, 0, 2 * 365 * 24 * 3600)
# Covers only hosts under the product's own host name (casework.example.gov.cn →
# *.casework.example.gov.cn), where nothing should be plain HTTP.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a promise about a whole registered domain, taken back only in months: the
# domain's owner decides (SECURE_HSTS_PRELOAD=true), so its deploy-check warning is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    if value.lower() in {"off", "none", "no", "false", "0"}:
        return None
    header, sep, expected = value.partition("=")
    if not sep or not header.startswith("HTTP_") or not expected:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO=https or be off,"
            f" got {value!r}"
        )
    return header, expected


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(
    os.environ.get("SECURE_PROXY_SSL_HEADER") or "HTTP_X_FORWARDED_PROTO=https"
)

# seed_demo's users share one known password: never in production.
DEMO_DATA_ALLOWED = False
