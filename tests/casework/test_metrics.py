"""/metrics for Prometheus (docs/operations.md#metrics): requests by view and status, the SLA
engine's gauges read from the database, Celery tasks by outcome — and only for who may scrape."""

import re

import pytest

from casework.models import SlaTimer
from casework.tasks import heartbeat, sla_sweep
from tests.factories import case_file, case_move


def _scrape(client, **headers) -> str:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _value(text: str, metric: str) -> float:
    match = re.search(rf"^{re.escape(metric)} ([0-9.e+-]+|NaN)$", text, re.MULTILINE)
    assert match, f"{metric} not in the scrape"
    return float(match.group(1))


def test_the_sla_engine_is_measured_from_the_database(client, demo):
    case_move(
        case_file(demo.user("gridworker")),
        (demo.user("dispatcher"), "classify", demo.classify_payload()),
    )
    heartbeat()

    text = _scrape(client)

    assert _value(text, 'casework_sla_open_timers{kind="respond"}') == 1
    assert _value(text, 'casework_sla_open_timers{kind="resolve"}') == 0
    assert _value(text, 'casework_sla_breaches_unacknowledged{kind="respond"}') == 0
    assert _value(text, "casework_sla_incidents") == 0
    assert _value(text, "casework_sla_sweep_lag_seconds") == 0
    assert _value(text, "casework_beat_heartbeat_age_seconds") < 5

    SlaTimer.objects.update(state=SlaTimer.State.INCIDENT, next_check_at=None)
    text = _scrape(client)
    assert _value(text, "casework_sla_incidents") == 1
    assert _value(text, 'casework_sla_open_timers{kind="respond"}') == 0


def test_requests_are_counted_by_view_and_status(client, demo, api):
    metric = 'django_http_responses_total_by_status_view_method_total{method="GET",status="404",view="casework.door_errors.api_not_found"}'
    before = _value(_scrape(client), metric) if metric in _scrape(client) else 0

    api("dispatcher").get("/api/v1/nothing-here/")

    assert _value(_scrape(client), metric) == before + 1


def test_celery_tasks_are_counted_by_outcome(client, demo):
    metric = 'casework_celery_tasks_total{outcome="success",task="casework.tasks.sla_sweep"}'
    text = _scrape(client)
    before = _value(text, metric) if metric in text else 0

    sla_sweep.apply()

    text = _scrape(client)
    assert _value(text, metric) == before + 1
    assert 'casework_celery_task_seconds_count{task="casework.tasks.sla_sweep"}' in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "meta",
    [
        {"REMOTE_ADDR": "10.0.0.7"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},  # through a proxy
    ],
)
def test_without_a_token_only_this_machine_may_scrape(client, meta):
    response = client.get("/metrics", **meta)

    assert response.status_code == 403
    assert b"casework_" not in response.content


@pytest.mark.django_db
def test_with_a_token_a_scraper_elsewhere_must_send_it(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    assert client.get("/metrics").status_code == 403  # local is not enough now
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    text = _scrape(client, REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert "casework_sla_incidents" in text


@pytest.mark.django_db
def test_production_scrapes_need_the_token_even_from_this_machine(client, settings):
    settings.METRICS_LOCAL_SCRAPES = False  # production's default

    assert client.get("/metrics").status_code == 403
