"""Settings of the bare baseline: a tiny Django project of its own (bench/bare/README.md).

Django's `startproject` defaults minus the admin and static files, DRF with its defaults
plus TokenAuthentication (rest_framework.authtoken). Only DATABASE_URL and CONN_MAX_AGE come
from the environment, as in the project's settings.
"""

import os

import dj_database_url

SECRET_KEY = "bench-bare-baseline-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",
    "bench.bare",
]
# startproject's list, as a new project has it.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"
TEMPLATES = []

DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0"))
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"level": os.environ.get("LOG_LEVEL", "WARNING")},
           "loggers": {"django.request": {"level": "ERROR"}}}  # the readiness probe's 405
