"""Is this installation fit to serve (docs/operations.md#health)?

`readiness` checks what a request or a deadline depends on — the database, the broker, a
recent beat heartbeat, a sweep that keeps up — and reports open incidents. Each check
answers `{"ok": bool, …}` with what it measured; nothing here names a person or a case.
"""

import os
import time
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.utils import timezone
from kombu import Connection

from ..models import Heartbeat, SlaTimer

BEAT = "beat"


def heartbeat_record(name: str = BEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def readiness() -> dict:
    now = timezone.now()
    checks = {
        "database": _checked(_database),
        "broker": _checked(_broker),
        "beat": _checked(_beat, now),
        "sla_sweep": _checked(_sla_sweep, now),
        "incidents": _checked(_incidents),
    }
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}


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
    with Connection(url, connect_timeout=settings.READY_BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
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
