"""Supervisors review breaches: GET /api/v1/breaches/, POST …/{id}/acknowledge/."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from casework.models import Community, Membership, Role, SlaBreach, Street
from casework.services.sla_sweep import sla_sweep
from tests.factories import PASSWORD, case_file, case_move
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

FRIDAY_10 = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def breaches(demo):
    """Two missed responds (property-1 and dept-urban) and one missed resolve (property-1)."""
    dispatcher, unitmember = demo.user("dispatcher"), demo.user("unitmember")
    with time_machine.travel(FRIDAY_10, tick=False):
        cases = [
            case_move(case_file(demo.user("gridworker")), (dispatcher, "classify", demo.classify_payload())),
            case_move(
                case_file(demo.user("gridworker")),
                (dispatcher, "classify", demo.classify_payload(unit="dept-urban")),
            ),
            case_move(
                case_file(demo.user("gridworker")),
                (dispatcher, "classify", demo.classify_payload()),
                (unitmember, "accept", {}),
            ),
        ]
    sla_sweep(now=FRIDAY_10 + timedelta(days=8))
    assert SlaBreach.objects.count() == 3
    return cases


def test_supervisor_lists_the_streets_breaches_newest_first(api, breaches):
    response = api("supervisor").get("/api/v1/breaches/")
    assert response.status_code == 200
    items = response.json()["results"]
    assert {item["case"] for item in items} == {case.reference for case in breaches}
    first = items[0]
    assert set(first) >= {"id", "case", "kind", "due_at", "breached_at", "unit", "acknowledged", "comment"}
    assert first["acknowledged"] is False
    assert first["late_seconds"] > 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [("kind=respond", 2), ("kind=resolve", 1), ("status=open", 3), ("status=acknowledged", 0),
     ("month=2026-11", 3), ("month=2026-12", 0)],
)
def test_breach_filters(api, breaches, query, expected):
    response = api("supervisor").get(f"/api/v1/breaches/?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected


def test_filter_by_unit_and_counts_per_unit(api, demo, breaches):
    client = api("supervisor")
    unit = demo.unit("dept-urban").pk
    assert len(client.get(f"/api/v1/breaches/?unit={unit}").json()["results"]) == 1
    counts = client.get("/api/v1/breaches/counts/").json()
    assert counts[0] == {"unit_id": demo.unit().pk, "unit__name": demo.unit().name, "open": 2, "acknowledged": 0}


def test_a_bad_month_is_a_400(api, breaches):
    response = api("supervisor").get("/api/v1/breaches/?month=November")
    assert response.status_code == 400
    assert "month" in response.json()["fields"]


def test_acknowledge_with_a_comment_once(api, demo, breaches):
    client = api("supervisor")
    breach = SlaBreach.objects.filter(kind="resolve").get()
    url = f"/api/v1/breaches/{breach.pk}/acknowledge/"
    response = client.post(url, {"comment": "已约谈物业负责人"})
    assert response.status_code == 200, response.content
    assert response.json()["acknowledged"] is True
    assert response.json()["comment"] == "已约谈物业负责人"

    again = client.post(url, {"comment": "again"})
    assert again.status_code == 409
    breach.refresh_from_db()
    assert breach.comment == "已约谈物业负责人" and breach.acknowledged_by == demo.user("supervisor")
    assert len(client.get("/api/v1/breaches/?status=acknowledged").json()["results"]) == 1


@pytest.mark.parametrize("username", ["dispatcher", "unitmember", "gridworker", "party_committee"])
def test_only_supervisors_see_and_acknowledge_breaches(api, breaches, username):
    breach = SlaBreach.objects.first()
    assert api(username).get("/api/v1/breaches/").status_code == 403
    response = api(username).post(f"/api/v1/breaches/{breach.pk}/acknowledge/", {"comment": "x"})
    assert response.status_code == 403
    breach.refresh_from_db()
    assert breach.acknowledged_at is None


def test_a_supervisor_of_another_street_sees_none_of_them(api, demo, breaches):
    street = Street.objects.create(code="dongcheng", name="东城街道")
    Community.objects.create(street=street, code="D1", name="东城社区")
    other = get_user_model().objects.create_user("supervisor2", password=PASSWORD)
    Membership.objects.create(user=other, role=Role.SUPERVISOR, street=street)
    client = api("supervisor2")
    assert client.get("/api/v1/breaches/").json()["results"] == []
    breach = SlaBreach.objects.first()
    assert client.post(f"/api/v1/breaches/{breach.pk}/acknowledge/", {}).status_code == 404
    breach.refresh_from_db()
    assert breach.acknowledged_at is None


def test_breached_filter_on_the_case_list(api, breaches, demo):
    fresh = case_file(demo.user("gridworker"))
    client = api("dispatcher")
    breached = {c["reference"] for c in client.get("/api/v1/cases/?breached=true").json()["results"]}
    clean = {c["reference"] for c in client.get("/api/v1/cases/?breached=false").json()["results"]}
    assert breached == {case.reference for case in breaches}
    assert fresh.reference in clean and not breached & clean
