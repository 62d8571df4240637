"""Is this installation fit to serve (docs/operations.md#health)?

`readiness` checks what a request needs (the database, the broker) and what deadlines need
(a recent beat heartbeat, a sweep that keeps up), and reports open incidents. Each check
answers `{"ok": bool, …}` with what it measured; nothing here names a person or a case.
"""

import os
import time
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from ..models import Heartbeat, SlaTimer

BEAT = "beat"


def heartbeat_record(name: str = BEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


OK, DEGRADED, UNAVAILABLE = "ok", "degraded", "unavailable"
# Without these this server cannot serve (503, out of the load balancer). Stalled background
# work is reported as `degraded` (200): every web node would fail together, and dropping them
# all would not bring beat or a worker back.
SERVING = ("database", "broker")

_cached: tuple[float, dict] | None = None


def readiness() -> dict:
    """{"status": ok | degraded | unavailable, "checks": {…}}, reused for
    READY_CACHE_SECONDS, since probes come often and each check costs round trips."""
    global _cached
    now_monotonic = time.monotonic()
    if _cached is not None and now_monotonic - _cached[0] < settings.READY_CACHE_SECONDS:
        return _cached[1]
    report = _readiness()
    _cached = (now_monotonic, report)
    return report


def _readiness() -> dict:
    now = timezone.now()
    checks = {"database": _checked(_database), "broker": _checked(_broker)}
    if checks["database"]["ok"]:
        checks["beat"] = _checked(_beat, now)
        checks["sla_sweep"] = _checked(_sla_sweep, now)
        checks["incidents"] = _checked(_incidents)
    else:  # each would wait for the database again
        for name in ("beat", "sla_sweep", "incidents"):
            checks[name] = {"ok": False, "error": "database"}
    if not all(checks[name]["ok"] for name in SERVING):
        status = UNAVAILABLE
    elif all(check["ok"] for check in checks.values()):
        status = OK
    else:
        status = DEGRADED
    return {"status": status, "checks": checks}


def _checked(check, *args) -> dict:
    started = time.perf_counter()
    try:
        result = {"ok": True, **check(*args)}
    except Exception as exc:  # a failing dependency is the answer, not a 500
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return {"transport": "memory"}
    if url.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders = [options["data_folder_out"], options["processed_folder"]]
        if not all(os.access(folder, os.W_OK) for folder in folders):
            raise PermissionError("broker folders are missing or read-only")
        return {"transport": "filesystem"}
    # The app's own connection settings (transport options, TLS), with a bound on every
    # socket operation: a broker that accepts and never answers must not hold a web worker.
    timeout = settings.READY_BROKER_TIMEOUT_SECONDS
    broker = current_app.connection_for_write(url)
    broker.connect_timeout = timeout
    broker.transport_options = {**broker.transport_options, "socket_timeout": timeout}
    with broker:
        broker.ensure_connection(max_retries=0)
        return {"transport": broker.transport_cls}


def heartbeat_age(now: datetime, name: str = BEAT) -> float | None:
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    return None if at is None else (now - at).total_seconds()


def sweep_lag(now: datetime) -> float:
    """How long the oldest clock that should have been looked at has waited, in seconds."""
    oldest = SlaTimer.objects.filter(
        state__in=SlaTimer.OPEN_STATES, next_check_at__lte=now
    ).aggregate(at=Min("next_check_at"))["at"]
    return 0.0 if oldest is None else (now - oldest).total_seconds()


def incidents_open() -> int:
    return SlaTimer.objects.filter(state=SlaTimer.State.INCIDENT).count()


def _beat(now: datetime) -> dict:
    age = heartbeat_age(now)
    if age is None:
        return {"ok": False, "age_seconds": None}
    return {"ok": age <= settings.READY_BEAT_MAX_AGE_SECONDS, "age_seconds": round(age)}


def _sla_sweep(now: datetime) -> dict:
    lag = round(sweep_lag(now))
    return {"ok": lag <= settings.READY_SWEEP_LAG_MAX_SECONDS, "lag_seconds": lag}


def _incidents() -> dict:
    # Parked timers are the operator's work (admin → SLA timers → retry), not a reason to
    # take this server out of service.
    return {"ok": True, "open": incidents_open()}
