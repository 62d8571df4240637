"""Shared fixtures: the demo cast, API clients holding real tokens, and the replay check."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connections
from rest_framework.test import APIClient

from tests.factories import PASSWORD, Demo, demo_build


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    if on_postgresql():
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks under real concurrency); set DATABASE_URL=postgres://…"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# ---------------------------------------------------------------- the clock

# Every test runs on a pinned clock, so none depends on the day it runs (docs/testing.md).
# A Thursday in working hours: deadlines, periods and holidays come out the same every run.
PINNED_NOW = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _pinned_clock(request):
    """Pin time for the whole test body (fixtures included): at `@pytest.mark.clock(when)`
    or PINNED_NOW. It ticks from there, so order and durations stay real. Tests that share
    time with other processes (Celery workers, Chromium) are marked `real_clock`: a clock
    pinned in this process alone would disagree with theirs; they must hold on any date."""
    if request.node.get_closest_marker("real_clock") or request.node.get_closest_marker("browser"):
        yield None
        return
    marker = request.node.get_closest_marker("clock")
    when = marker.args[0] if marker else PINNED_NOW
    with time_machine.travel(when, tick=True) as traveller:
        yield traveller


# ---------------------------------------------------------------- the replay check

def _uses_database(request) -> bool:
    return (
        request.node.get_closest_marker("django_db") is not None
        or "_django_db_helper" in request.fixturenames  # db, transactional_db, admin_user …
        or "live_server" in request.fixturenames
    )


@pytest.fixture(autouse=True)
def _every_case_replays_from_its_events(request):
    """docs/architecture.md#case-log: replaying a case's events yields its current state — for every
    case any test creates, checked at teardown while the test's data still exists."""
    if not _uses_database(request):
        yield
        return
    # Depend on pytest-django's database fixture so ours is torn down first, before the
    # rollback or flush (this is the fixture its django_db marker requests).
    request.getfixturevalue("_django_db_helper")
    yield
    if connections["default"].needs_rollback:
        return  # the test already broke its transaction; its own failure says why
    from casework.services.case_log_verify import case_log_verify

    mismatches = case_log_verify()
    assert not mismatches, "event log does not replay to the stored case:\n" + "\n".join(mismatches)


# ---------------------------------------------------------------- the cast

@pytest.fixture
def demo(db) -> Demo:
    """seed_demo's street, communities, grids, units and users (password "pw-test"), no cases."""
    return demo_build()


class JsonClient(APIClient):
    def post(self, path, data=None, format=None, **extra):
        if format is None and "content_type" not in extra:
            format = "json"
        return super().post(path, data, format=format, **extra)


@pytest.fixture
def api(demo):
    """api("dispatcher") → a client carrying that user's token from POST /api/v1/auth/token/."""
    clients = {}

    def client_for(username: str | None = None) -> JsonClient:
        if username is None:
            return JsonClient()
        if username not in clients:
            response = JsonClient().post(
                "/api/v1/auth/token/", {"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.content
            client = JsonClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
            clients[username] = client
        return clients[username]

    return client_for
