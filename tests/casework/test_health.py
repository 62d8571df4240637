"""/healthz and /readyz (docs/operations.md#health), as a load balancer and the start script
call them: JSON, 200 when the installation can serve, 503 with the failing check when not."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from casework.models import SlaTimer
from casework.services.sla_sweep import sla_sweep
from casework.tasks import heartbeat
from tests.factories import case_file, case_move


def _ready(client):
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_healthz_answers_without_asking_anything_else(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_once_beat_has_beaten_through_a_worker(client):
    heartbeat()  # what beat schedules and a worker runs

    status, body = _ready(client)

    assert status == 200, body
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "broker", "beat", "sla_sweep", "incidents"}
    assert all(check["ok"] for check in checks.values())
    assert checks["beat"]["age_seconds"] <= 2
    assert checks["sla_sweep"]["lag_seconds"] == 0 and checks["incidents"]["open"] == 0


@pytest.mark.django_db
def test_degraded_but_serving_before_beat_ever_ran(client):
    status, body = _ready(client)

    # Stalled background work keeps the web in the load balancer: every node would fail
    # together, and dropping them all would not bring beat back.
    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["beat"] == {"ok": False, "age_seconds": None, "ms": body["checks"]["beat"]["ms"]}
    assert body["checks"]["database"]["ok"]


@pytest.mark.django_db
def test_degraded_when_the_heartbeat_is_stale(client, settings):
    heartbeat()
    later = timezone.now() + timedelta(seconds=settings.READY_BEAT_MAX_AGE_SECONDS + 5)

    with time_machine.travel(later, tick=False):
        status, body = _ready(client)

    assert (status, body["status"]) == (200, "degraded")
    assert body["checks"]["beat"]["ok"] is False
    assert body["checks"]["beat"]["age_seconds"] >= settings.READY_BEAT_MAX_AGE_SECONDS


@pytest.mark.django_db
def test_not_ready_when_the_broker_cannot_be_reached(client, settings):
    heartbeat()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    status, body = _ready(client)

    assert (status, body["status"]) == (503, "unavailable")
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["beat"]["ok"]


def test_a_sweep_that_falls_behind_is_reported_until_it_catches_up(client, demo, settings):
    case = case_move(
        case_file(demo.user("gridworker")),
        (demo.user("dispatcher"), "classify", demo.classify_payload()),
    )
    timer = SlaTimer.objects.get(case=case)
    behind = timer.next_check_at + timedelta(seconds=settings.READY_SWEEP_LAG_MAX_SECONDS + 60)

    with time_machine.travel(behind, tick=False):
        heartbeat()
        status, body = _ready(client)
        assert (status, body["status"]) == (200, "degraded")
        assert body["checks"]["sla_sweep"]["ok"] is False
        assert body["checks"]["sla_sweep"]["lag_seconds"] >= settings.READY_SWEEP_LAG_MAX_SECONDS

        sla_sweep(now=timezone.now())
        status, body = _ready(client)

    assert (status, body["status"]) == (200, "ok"), body
    assert body["checks"]["sla_sweep"]["lag_seconds"] == 0


def test_incidents_are_counted_but_leave_it_ready(client, demo):
    case = case_move(
        case_file(demo.user("gridworker")),
        (demo.user("dispatcher"), "classify", demo.classify_payload()),
    )
    SlaTimer.objects.filter(case=case).update(state=SlaTimer.State.INCIDENT, next_check_at=None)
    heartbeat()

    status, body = _ready(client)

    assert status == 200, body
    assert body["checks"]["incidents"] == {"ok": True, "open": 1, "ms": body["checks"]["incidents"]["ms"]}


@pytest.mark.django_db
def test_only_get_is_answered(client):
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405


def test_beat_schedules_the_heartbeat_more_often_than_readyz_tolerates(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == heartbeat.name == "casework.tasks.heartbeat"
    assert entry["schedule"] == settings.HEARTBEAT_SECONDS
    assert settings.READY_BEAT_MAX_AGE_SECONDS > 2 * settings.HEARTBEAT_SECONDS


@pytest.mark.django_db
def test_probes_within_the_cache_time_share_one_report(client, settings):
    status, body = _ready(client)  # a fresh report (tests keep none)
    assert body["checks"]["beat"]["ok"] is False
    settings.READY_CACHE_SECONDS = 60

    heartbeat()

    assert _ready(client) == (status, body)  # not asked again within the minute
    settings.READY_CACHE_SECONDS = 0
    assert _ready(client)[1]["status"] == "ok"
