"""Settings for every environment; values come from the environment.

The defaults describe the embedded setup (SQLite, a server-less broker) so a fresh
checkout runs without any service installed.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CASEWORK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Only for local runs; production.py refuses to start with it.
INSECURE_DEV_SECRET = "casework-insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEV_SECRET)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens: hashed, expiring (README "Sign-in")
    "axes",  # failed sign-ins, lockouts and their audit (README "Sign-in")
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as our own static files (SECURITY.md)
    "django_prometheus",  # request metrics at /metrics (docs/operations.md#metrics)
    "casework",
    # The six-party consultation runs on viewflow's workflow engine (AGPL-3.0, used
    # unmodified). `workflows` is an app only so viewflow can name the flow it holds.
    "viewflow",
    "viewflow.workflow",
    "workflows",
]
# Keep viewflow's Material UI site and its middleware out: our pages are our own.
VIEWFLOW = {"AUTOREGISTER": False}

MIDDLEWARE = [
    # First: the request id for everything below, and the access line (LOGGING at the end).
    "config.request_logging.AccessLogMiddleware",
    # Times the whole request; its partner below counts it by view and status.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "casework.middleware.HostileInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Below it (so it sees axes's answer): requests by view, method and status.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into 429 (casework.signin_throttle).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'casework.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing at once,
    # and take the write lock at BEGIN so row locks behave like PostgreSQL's.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails a request (and /readyz) in seconds, not at the OS's TCP
    # timeout of minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static_storage.StaticStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.api.token_auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "casework.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casework API",
    "DESCRIPTION": "Resident case handling: collect, classify, handle, evaluate.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "workflows.case_states.State",
        "ChannelEnum": "workflows.case_states.Channel",
        "StaffChannelEnum": "workflows.case_states.STAFF_CHANNELS",
        "PartyEnum": "workflows.consultation_states.PARTIES",
    },
    # /api/docs/ and /api/redoc/ load their scripts from our static files, not a CDN that
    # offices in China often cannot reach (and the CSP would refuse).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# With a host named, kombu does not warn "No hostname was supplied" on every connection.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
# Made when the app starts (config.var_dirs), never when settings are read.
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Celery 6's defaults, chosen now so the worker does not warn about their change. A task
# whose message the broker hands out again after a lost connection (acks_late) is cancelled
# here rather than run twice at once.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BEAT_SCHEDULE: dict = {}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casework@localhost")

# ---------------------------------------------------------------- security headers (SECURITY.md)
# Content-Security-Policy on every response: scripts, styles, fonts and images only from our
# own origin (whitenoise), no inline script or style, no plugins, no framing. Pages keep
# their JavaScript in casework/static/casework/*.js and wire it with data-* attributes;
# views that need more widen it for themselves (csp.decorators, e.g. the API docs in
# config/api_docs.py). CSP_REPORT_URI, when set, receives the browsers' violation reports.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if os.environ.get("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [os.environ["CSP_REPORT_URI"]]
# Where to report a security problem: shown at /.well-known/security.txt (RFC 9116) when set.
SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "")

# SLA clocks (docs/sla.md#settings)
from datetime import timedelta  # noqa: E402

SLA_SWEEP_SECONDS = float(os.environ.get("SLA_SWEEP_SECONDS", "2"))
SLA_MAX_ATTEMPTS = int(os.environ.get("SLA_MAX_ATTEMPTS", "5"))
SLA_RETRY_BASE = timedelta(seconds=int(os.environ.get("SLA_RETRY_SECONDS", "10")))
SLA_POLICY_CACHE_SECONDS = float(os.environ.get("SLA_POLICY_CACHE_SECONDS", "60"))
SLA_PAUSE_CAP = timedelta(days=int(os.environ.get("SLA_PAUSE_CAP_DAYS", "30")))
CELERY_BEAT_SCHEDULE["sla-sweep"] = {
    "task": "casework.tasks.sla_sweep",
    "schedule": SLA_SWEEP_SECONDS,
    # A sweep nobody picked up soon is pointless: the next one covers the same rows.
    "options": {"expires": max(SLA_SWEEP_SECONDS * 5, 10)},
}
# Longer than any task runs, so a slow sweep is never handed to a second worker (Redis).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **globals().get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "visibility_timeout": 600,
}

# The monthly evaluation day (docs/evaluation.md#schedule). Period "YYYY-MM" ends at that month's
# run.
def env_int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, got {value}")
    return value


EVALUATION_DAY = env_int("EVALUATION_DAY", 20, 1, 28)  # every month has it
EVALUATION_HOUR = env_int("EVALUATION_HOUR", 9, 0, 23)  # Asia/Shanghai
EVALUATION_WEIGHTS = {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}
EVALUATION_BASIC_SATISFIED_WEIGHT = 1.0  # 12345 practice uses 0.9
from celery.schedules import crontab  # noqa: E402

# The run itself, and an hourly look for a missed one (the machine was down on the day).
# Both call the same idempotent catch-up; workers also run it when they start.
CELERY_BEAT_SCHEDULE["evaluation-day"] = {
    "task": "casework.tasks.evaluation_catch_up",
    "schedule": crontab(minute=0, hour=EVALUATION_HOUR, day_of_month=EVALUATION_DAY),
}
CELERY_BEAT_SCHEDULE["evaluation-catch-up"] = {
    "task": "casework.tasks.evaluation_catch_up",
    "schedule": crontab(minute=17),
    "options": {"expires": 3000},
}

# Health (docs/operations.md#health): beat's heartbeat, and what /readyz tolerates.
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "30"))
CELERY_BEAT_SCHEDULE["heartbeat"] = {
    "task": "casework.tasks.heartbeat",
    "schedule": HEARTBEAT_SECONDS,
    "options": {"expires": HEARTBEAT_SECONDS},
}
READY_BEAT_MAX_AGE_SECONDS = float(
    os.environ.get("READY_BEAT_MAX_AGE_SECONDS", str(4 * HEARTBEAT_SECONDS))
)
READY_SWEEP_LAG_MAX_SECONDS = float(os.environ.get("READY_SWEEP_LAG_MAX_SECONDS", "300"))
READY_BROKER_TIMEOUT_SECONDS = float(os.environ.get("READY_BROKER_TIMEOUT_SECONDS", "3"))
# Probes may come every second from several balancers: one report serves them a while.
READY_CACHE_SECONDS = float(os.environ.get("READY_CACHE_SECONDS", "2"))
# /metrics answers `Authorization: Bearer <token>` when set; else scrapes from this machine,
# unless METRICS_LOCAL_SCRAPES is off (production's default: a proxy on the same machine may
# not say it is one).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_LOCAL_SCRAPES = os.environ.get("METRICS_LOCAL_SCRAPES", "1").lower() in ("1", "true")

# Six-party consultation (docs/consultation.md#vote): ballots from at least this many of the six
# parties.
CONSULTATION_QUORUM = int(os.environ.get("CONSULTATION_QUORUM", "4"))
if not 1 <= CONSULTATION_QUORUM <= 6:
    raise ImproperlyConfigured("CONSULTATION_QUORUM must be between 1 and 6.")

# The residents' doors (docs/api.md#open311): Open311 GeoReport v2 under /open311/v2/ and the public
# pages (report, follow, rate). README "Residents' doors" explains each choice.
import re  # noqa: E402

# Residents' photos. Never served from MEDIA_URL: staff fetch them through a view that checks
# the case's scope (casework.views.public.case_photo).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
PUBLIC_PHOTO_MAX_BYTES = env_int("PUBLIC_PHOTO_MAX_MB", 5, 1, 50) * 1024 * 1024
# Where a report lands when neither address_id nor coordinates place it in a grid.
OPEN311_DEFAULT_GRID = os.environ.get("OPEN311_DEFAULT_GRID", "C1-G1")
OPEN311_REQUESTS_MAX = 1000
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "")
OPEN311_KEY_SERVICE = os.environ.get("OPEN311_KEY_SERVICE", "")


def env_rate(name: str, default: str) -> str:
    """A rate like "30/m" (count per s, m, h or d), as django-ratelimit reads it."""
    value = os.environ.get(name, "") or default
    if not re.fullmatch(r"\d+/\d*[smhd]", value):
        raise ImproperlyConfigured(f"{name} must look like 30/m or 10/h, got {value!r}")
    return value


OPEN311_POST_RATE = env_rate("OPEN311_POST_RATE", "30/m")  # per API key
PUBLIC_SUBMIT_RATE = env_rate("PUBLIC_SUBMIT_RATE", "10/h")  # per client IP
# Rate counters must be shared by every gunicorn worker and machine: Redis when there is one
# (REDIS_URL, or a redis:// broker), else a table in the database, whose increments take a
# row lock (casework.ratelimit). The table comes with migration 0009, so nothing to set up.
RATELIMIT_REDIS_URL = os.environ.get("REDIS_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": RATELIMIT_REDIS_URL,
            "KEY_PREFIX": "casework-ratelimit",
        }
        if RATELIMIT_REDIS_URL
        else {
            "BACKEND": "casework.ratelimit.LockingDatabaseCache",
            "LOCATION": "casework_ratelimit_cache",
            # Longer than any window: an increment rewrites the row's expiry.
            "TIMEOUT": 24 * 3600,
        }
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
# Behind a proxy, the header holding the client's address (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None


# ---------------------------------------------------------------- sign-in (README "Sign-in")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8, 8, 128)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out account or address before any password is checked.
    "casework.signin_throttle.SigninBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Wrong passwords allowed per account, and per client address (a whole office may share one
# NAT address), within SIGNIN_LOCK_MINUTES; one more locks that account or address until
# that long after its last failure. A success clears the account's count.
SIGNIN_ACCOUNT_FAILURES = env_int("SIGNIN_ACCOUNT_FAILURES", 5, 1, 100)
SIGNIN_ADDRESS_FAILURES = env_int("SIGNIN_ADDRESS_FAILURES", 30, 1, 10000)
SIGNIN_LOCK_MINUTES = env_int("SIGNIN_LOCK_MINUTES", 15, 1, 24 * 60)
AXES_HANDLER = "casework.signin_throttle.SigninAttempts"
AXES_FAILURE_LIMIT = 1  # SigninAttempts counts failures past the nearer allowance
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=SIGNIN_LOCK_MINUTES)
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lockout do not extend it: an office retrying behind a locked
# address gets back in SIGNIN_LOCK_MINUTES after the last real failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept for the admin (the audit)
AXES_VERBOSE = False  # no banner on every start; attempts are still logged
AXES_CLIENT_IP_CALLABLE = "casework.signin_throttle.client_address"
AXES_LOCKOUT_CALLABLE = "casework.signin_throttle.lockout_response"
# API tokens (django-rest-knox): lapse after API_TOKEN_IDLE_HOURS unused, and at the latest
# API_TOKEN_MAX_DAYS after sign-in. Use renews a token at most once a minute (one write).
API_TOKEN_IDLE_HOURS = env_int("API_TOKEN_IDLE_HOURS", 8, 1, 24 * 30)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 7, 1, 365)
if API_TOKEN_IDLE_HOURS > API_TOKEN_MAX_DAYS * 24:
    raise ImproperlyConfigured("API_TOKEN_IDLE_HOURS must not exceed 24 × API_TOKEN_MAX_DAYS.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_IDLE_HOURS),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(days=API_TOKEN_MAX_DAYS),
    "MIN_REFRESH_INTERVAL": 60,
}
# seed_demo's users share one known password: config.settings.production refuses it.
DEMO_DATA_ALLOWED = True


# ---------------------------------------------------------------- logs (docs/operations.md#logs)
# One line per record on standard error, in the web, the worker and beat alike (config.celery
# hands Celery this config): LOG_FORMAT=text (readable, the default) or json (one object per
# line). Every record carries the request id (config.request_id); each request writes one
# access line (config.request_logging) and each Celery task one line when it ends
# (config.task_logging). A refused request (4xx) is never a traceback; a 5xx keeps its own.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.request_id.RequestIdFilter"},
        "client_errors_one_line": {"()": "config.request_logging.ClientErrorsOnOneLine"},
    },
    "formatters": {
        "text": {"()": "config.log_format.TextFormatter"},
        "json": {"()": "config.log_format.JsonLineFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "client_errors_one_line"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Without handlers of their own (Django's default adds a console one under DEBUG), so
    # every django.* record passes the filters above once.
    "loggers": {"django": {"level": LOG_LEVEL, "propagate": True}},
}

# ---- Media storage (docs/deployment.md#media)
# Residents' photos must be readable from every web machine. The default keeps them under
# MEDIA_ROOT, which machines then share (an NFS mount); MEDIA_STORAGE=s3 keeps them in a
# private bucket of any S3-compatible store (MinIO, Aliyun OSS, Tencent COS …) through
# django-storages. Either way the app reads them only through the storage API, for staff
# who may see the case, never by a public URL (casework.views.public.case_photo). The keys
# stay in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), read by boto3 itself.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem").strip().lower() or "filesystem"
if MEDIA_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Most S3-compatible stores on a private network answer path-style only.
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or "path",
            "location": os.environ.get("AWS_LOCATION", "media"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, got {MEDIA_STORAGE!r}")

# ---- notifications that reach people (docs/notifications.md#settings)
# The channels besides the in-app inbox that people may choose: sms, wechat, email.
NOTIFY_CHANNELS = env_list("NOTIFY_CHANNELS", "email,sms,wechat")
if set(NOTIFY_CHANNELS) - {"sms", "wechat", "email"}:
    raise ImproperlyConfigured("NOTIFY_CHANNELS takes sms, wechat and email, comma-separated.")
# SMS through a generic HTTP JSON gateway; without a URL messages are logged (console).
NOTIFY_SMS_URL = os.environ.get("NOTIFY_SMS_URL", "")
NOTIFY_SMS_TOKEN = os.environ.get("NOTIFY_SMS_TOKEN", "")
# WeChat official-account template messages; without an app id messages are logged.
NOTIFY_WECHAT_API_BASE = os.environ.get("NOTIFY_WECHAT_API_BASE", "https://api.weixin.qq.com")
NOTIFY_WECHAT_APP_ID = os.environ.get("NOTIFY_WECHAT_APP_ID", "")
NOTIFY_WECHAT_APP_SECRET = os.environ.get("NOTIFY_WECHAT_APP_SECRET", "")
NOTIFY_WECHAT_TEMPLATE_ID = os.environ.get("NOTIFY_WECHAT_TEMPLATE_ID", "")
# Seconds to wait for a gateway; attempts before a delivery fails for good; the wait after
# the n-th failed attempt is RETRY_SECONDS × 2^(n-1), at most RETRY_MAX_SECONDS.
NOTIFY_TIMEOUT_SECONDS = env_int("NOTIFY_TIMEOUT_SECONDS", 10, 1, 60)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8, 1, 50)
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 60, 1, 3600)
NOTIFY_RETRY_MAX_SECONDS = env_int("NOTIFY_RETRY_MAX_SECONDS", 3600, 1, 7 * 24 * 3600)
CELERY_BEAT_SCHEDULE["notifications-deliver"] = {
    "task": "casework.tasks.notifications_deliver",
    "schedule": 60.0,
    "options": {"expires": 60},
}

# ---------------------------------------------------------------- backups (docs/operations.md#backups)
# Where `manage.py backup` writes when not given --output (made owner-only).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
# The folder holding pg_dump and pg_restore when they are not on PATH (e.g.
# /usr/lib/postgresql/16/bin): they must be the server's major version or newer.
BACKUP_PG_BIN_DIR = os.environ.get("BACKUP_PG_BIN_DIR", "")

# ---- retention and export of residents' data (docs/privacy.md#retention, #export)
# Months after a case is closed or rejected before its resident's contact details are
# removed (个人信息保护法: kept no longer than needed). Beat runs the removal daily.
RETENTION_MONTHS = env_int("RETENTION_MONTHS", 24, 1, 240)
RETENTION_HOUR = env_int("RETENTION_HOUR", 3, 0, 23)  # Asia/Shanghai, a quiet hour
CELERY_BEAT_SCHEDULE["retention"] = {
    "task": "casework.tasks.cases_anonymise_due",
    "schedule": crontab(minute=41, hour=RETENTION_HOUR),
    "options": {"expires": 12 * 3600},
}
# Exports of one resident's data per staff member (a fixed window, django-ratelimit).
RESIDENT_EXPORT_RATE = env_rate("RESIDENT_EXPORT_RATE", "20/h")

# ---- extension requests (延期, docs/extensions.md)
# How many extensions a case may have, granted and pending together; beyond it, 409.
EXTENSIONS_MAX = env_int("EXTENSIONS_MAX", 2, 0, 20)
# How far ahead of the request a new due date may lie.
EXTENSION_MAX_DAYS = env_int("EXTENSION_MAX_DAYS", 90, 1, 365)

# ---- urging (督办, docs/urges.md)
# How far ahead of the urge its reply deadline may lie.
URGE_MAX_DAYS = env_int("URGE_MAX_DAYS", 30, 1, 365)
# ---- summons and check-in (吹哨报到, docs/summons.md)
# How many co-units (协办) one summon may name besides the lead; beyond it, 400.
SUMMONS_MAX_CO_UNITS = env_int("SUMMONS_MAX_CO_UNITS", 10, 1, 50)
