"""References are SS-YYYYMM-NNNNNN, counted per month of the Asia/Shanghai calendar, and
taken from the application clock (docs/architecture.md#case-log)."""

import re
from datetime import UTC, datetime

import time_machine

from casework.models import Case
from tests.factories import PASSWORD, case_file, transition_url


def _file_at(api, instant, grid):
    with time_machine.travel(instant, tick=False):
        # Signed in afresh each time: these filings are weeks apart and tokens lapse.
        client = api(None)
        signed_in = client.post("/api/v1/auth/token/", {"username": "gridworker", "password": PASSWORD})
        client.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
        response = client.post(
            "/api/v1/cases/",
            {"title": "井盖缺失", "description": "幼儿园门口井盖缺失。", "grid": grid.pk, "channel": "point"},
        )
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def test_reference_takes_the_month_in_shanghai_not_utc(demo, api):
    # 23:30 UTC on 30 November is 07:30 on 1 December in Shanghai.
    instant = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)

    reference = _file_at(api, instant, demo.grid())

    assert reference == "SS-202612-000001"
    case = Case.objects.get(reference=reference)
    assert case.created_at == instant  # the application clock, not the database's now()
    assert case.events.get().at == instant


def test_numbering_restarts_each_month(demo, api):
    grid = demo.grid()
    november_late = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)  # 23:59 Shanghai, 30 Nov
    december_early = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 00:00 Shanghai, 1 Dec
    january = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)

    filed = [
        _file_at(api, november_late, grid),
        _file_at(api, november_late, grid),
        _file_at(api, december_early, grid),
        _file_at(api, december_early, grid),
        _file_at(api, december_early, grid),
        _file_at(api, january, grid),
    ]

    assert filed == [
        "SS-202611-000001",
        "SS-202611-000002",
        "SS-202612-000001",
        "SS-202612-000002",
        "SS-202612-000003",
        "SS-202701-000001",
    ]


def test_references_in_a_month_are_consecutive_and_unique(demo):
    with time_machine.travel(datetime(2026, 3, 10, 2, 0, tzinfo=UTC), tick=False):
        references = [case_file(demo.user("gridworker")).reference for _ in range(12)]

    assert references == [f"SS-202603-{n:06d}" for n in range(1, 13)]
    assert all(re.fullmatch(r"SS-\d{6}-\d{6}", reference) for reference in references)


def test_reference_is_stable_through_transitions(demo, api):
    case = demo.case_in("collected")

    later = datetime(2027, 5, 1, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        response = api("dispatcher").post(
            transition_url(case.reference, "classify"), {"version": 1, **demo.classify_payload()}
        )

    assert response.json()["reference"] == case.reference
    case.refresh_from_db()
    assert case.updated_at == later
    assert case.events.order_by("seq").last().at == later
