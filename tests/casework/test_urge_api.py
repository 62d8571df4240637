"""Urging (督办) through the API, as the role who does each step (docs/urges.md,
docs/api.md#urges): the street supervisor urges, the unit (or before it has one the
dispatcher) replies, and an urge left unanswered past its deadline is a breach."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from casework.models import (
    Case,
    CaseEvent,
    Community,
    Membership,
    Notification,
    Role,
    SlaBreach,
    SlaTimer,
    Street,
    Urge,
)
from casework.services.sla_sweep import sla_sweep
from tests.factories import PASSWORD, case_snapshot, case_url
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)  # a Thursday in working hours
REPLY_BY = datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)
NOTE = "请于明日下班前说明清运进度。"


def urge_url(urge_id: int, action: str = "") -> str:
    return f"/api/v1/urges/{urge_id}/{action}"


def signed_in(username: str) -> APIClient:
    """A fresh token, at the travelled time (the `api` fixture's would have expired)."""
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def urge(client, case, **body):
    return client.post(
        case_url(case.reference, "urges/"),
        {"note": NOTE, "reply_by": REPLY_BY.isoformat(), **body},
        format="json",
    )


def urge_timer(case) -> SlaTimer:
    return SlaTimer.objects.get(case=case, kind="urge")


def inbox(demo, username):
    return list(
        Notification.objects.filter(user=demo.user(username), kind="urge").values_list(
            "message", flat=True
        )
    )


def nothing_changed(case, before):
    assert case_snapshot(case) == before
    assert not Urge.objects.filter(case=case).exists()
    assert not SlaTimer.objects.filter(case=case, kind="urge").exists()
    assert not Notification.objects.filter(kind="urge").exists()


def test_the_supervisor_urges_and_the_unit_replies_in_time(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        version = Case.objects.get(pk=case.pk).version
        supervisor, unit = signed_in("supervisor"), signed_in("unitmember")

        urged = urge(supervisor, case)
        assert urged.status_code == 201, urged.content
        body = urged.json()
        assert body["state"] == "open" and body["case"] == case.reference
        assert body["urged_by"] == "supervisor" and body["note"] == NOTE
        assert datetime.fromisoformat(body["reply_by"]) == REPLY_BY
        assert body["unit"] == demo.unit().pk
        assert body["answered_by"] is None and body["reply"] == ""

        event = CaseEvent.objects.get(case=case, transition="urged")
        assert event.payload["urge"] == body["id"] and event.payload["note"] == NOTE
        assert event.seq == version + 1 and Case.objects.get(pk=case.pk).version == version + 1
        (message,) = inbox(demo, "unitmember")
        assert case.reference in message
        assert inbox(demo, "dispatcher") == []
        timer = urge_timer(case)
        assert timer.state == "running" and timer.due_at == REPLY_BY
        assert timer.unit_id == demo.unit().pk

        # Everyone in scope reads the list and the urge.
        listed = signed_in("gridworker").get(case_url(case.reference, "urges/"))
        assert listed.status_code == 200 and [u["id"] for u in listed.json()] == [body["id"]]
        assert signed_in("gridworker").get(urge_url(body["id"])).json()["note"] == NOTE

        replied = unit.post(urge_url(body["id"], "reply/"), {"note": "已安排今日清运。"}, format="json")
        assert replied.status_code == 200, replied.content
        answer = replied.json()
        assert answer["state"] == "answered" and answer["answered_by"] == "unitmember"
        assert answer["reply"] == "已安排今日清运。" and answer["answered_at"]
        timer.refresh_from_db()
        assert timer.state == "stopped" and timer.stopped_at == NOW and timer.next_check_at is None
        event = CaseEvent.objects.get(case=case, transition="urge_answered")
        assert event.payload == {"urge": body["id"], "note": "已安排今日清运。", "late": False}
        assert Case.objects.get(pk=case.pk).version == version + 2
        (told,) = inbox(demo, "supervisor")
        assert case.reference in told

        again = unit.post(urge_url(body["id"], "reply/"), {"note": "再说一遍"}, format="json")
        assert again.status_code == 409 and again.json()["error"] == "urge_answered"
        assert Urge.objects.get(pk=body["id"]).reply == "已安排今日清运。"

        # Answered, the case may be urged again.
        assert urge(supervisor, case, reply_by=(REPLY_BY + timedelta(days=1)).isoformat()).status_code == 201

    assert sla_sweep(now=REPLY_BY + timedelta(minutes=1)) == {}
    assert not SlaBreach.objects.filter(case=case).exists()


def test_an_unanswered_urge_is_a_breach_and_a_late_reply_still_answers(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        urge_id = urge(signed_in("supervisor"), case).json()["id"]
    timer = urge_timer(case)
    # Warned before the deadline, like any clock, then breached at it.
    assert sla_sweep(now=timer.warn_at) == {"warned": 1}
    assert sla_sweep(now=REPLY_BY + timedelta(minutes=1)) == {"breached": 1}
    breach = SlaBreach.objects.get(case=case)
    assert breach.kind == "urge" and breach.unit_id == demo.unit().pk and breach.due_at == REPLY_BY
    missed = Notification.objects.filter(user=demo.user("supervisor"), kind="breach", case=case)
    assert missed.count() == 1

    with time_machine.travel(REPLY_BY + timedelta(hours=2), tick=False):
        board = Client()
        board.force_login(demo.user("supervisor"))
        page = board.get("/breaches/?kind=urge")
        assert page.status_code == 200
        assert [b.case.reference for b in page.context["breaches"]] == [case.reference]
        assert [b.case.reference for b in board.get("/breaches/?kind=resolve").context["breaches"]] == []
        chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        chinese.force_login(demo.user("supervisor"))
        assert "督办回复" in chinese.get("/breaches/").content.decode()
        listed = signed_in("supervisor").get("/api/v1/breaches/?kind=urge").json()["results"]
        assert [row["case"] for row in listed] == [case.reference]

        replied = signed_in("unitmember").post(urge_url(urge_id, "reply/"), {"note": "迟复：已清运。"})
        assert replied.status_code == 200, replied.content
        assert replied.json()["state"] == "answered"
        event = CaseEvent.objects.get(case=case, transition="urge_answered")
        assert event.payload["late"] is True
    timer.refresh_from_db()
    assert timer.state == "breached" and timer.stopped_at == REPLY_BY + timedelta(hours=2)
    assert SlaBreach.objects.filter(case=case).count() == 1


def test_before_a_unit_is_assigned_the_dispatchers_owe_the_reply(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("collected")
        urged = urge(signed_in("supervisor"), case)
        assert urged.status_code == 201, urged.content
        assert urged.json()["unit"] is None
        assert inbox(demo, "dispatcher") and inbox(demo, "unitmember") == []
        urge_id = urged.json()["id"]

        by_unit = signed_in("unitmember").post(urge_url(urge_id, "reply/"), {"note": "不是我们"})
        assert by_unit.status_code in (403, 404)
        by_gridworker = signed_in("gridworker").post(urge_url(urge_id, "reply/"), {"note": "我来答"})
        assert by_gridworker.status_code == 403
        assert Urge.objects.get(pk=urge_id).state == "open"

        replied = signed_in("dispatcher").post(urge_url(urge_id, "reply/"), {"note": "今天分派。"})
        assert replied.status_code == 200, replied.content
        assert replied.json()["answered_by"] == "dispatcher"


def test_other_roles_may_not_urge(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        before = case_snapshot(case)
        for username in ("dispatcher", "unitmember", "gridworker"):
            response = urge(signed_in(username), case)
            assert response.status_code == 403, (username, response.content)
        nothing_changed(case, before)


def test_those_not_urged_may_not_reply(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        urge_id = urge(signed_in("supervisor"), case).json()["id"]
        for username in ("supervisor", "dispatcher", "gridworker"):
            response = signed_in(username).post(urge_url(urge_id, "reply/"), {"note": "代答"})
            assert response.status_code == 403, (username, response.content)
        assert Urge.objects.get(pk=urge_id).state == "open"
        assert urge_timer(case).state == "running"
        assert not CaseEvent.objects.filter(case=case, transition="urge_answered").exists()


def test_another_streets_case_does_not_exist_for_its_supervisor(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        urge_id = urge(signed_in("supervisor"), case).json()["id"]
        street = Street.objects.create(code="dongcheng", name="东城街道")
        Community.objects.create(street=street, code="D1", name="东城社区")
        other = get_user_model().objects.create_user("supervisor2", password=PASSWORD)
        Membership.objects.create(user=other, role=Role.SUPERVISOR, street=street)
        elsewhere = signed_in("supervisor2")
        assert urge(elsewhere, case).status_code == 404
        assert elsewhere.get(case_url(case.reference, "urges/")).status_code == 404
        assert elsewhere.get(urge_url(urge_id)).status_code == 404
        assert elsewhere.post(urge_url(urge_id, "reply/"), {"note": "x"}).status_code == 404
        assert signed_in("outsider").get(urge_url(urge_id)).status_code == 404
        assert signed_in("supervisor").get(urge_url(999999)).status_code == 404
        assert Urge.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("state", ["evaluating", "closed", "rejected"])
def test_only_an_open_case_is_urged(demo, api, state):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in(state)
        before = case_snapshot(case)
        response = urge(signed_in("supervisor"), case)
        assert response.status_code == 409 and response.json()["error"] == "invalid_state"
        nothing_changed(case, before)


@pytest.mark.parametrize("state", ["classified", "consultation"])
def test_any_open_state_may_be_urged(demo, api, state):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in(state)
        assert urge(signed_in("supervisor"), case).status_code == 201


def test_one_open_urge_per_case(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        supervisor = signed_in("supervisor")
        assert urge(supervisor, case).status_code == 201
        before = case_snapshot(case)
        second = urge(supervisor, case, note="再催一次")
        assert second.status_code == 409 and second.json()["error"] == "urge_open"
        assert case_snapshot(case) == before
        assert Urge.objects.filter(case=case).count() == 1
        assert SlaTimer.objects.filter(case=case, kind="urge").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"note": None}, id="missing-note"),
        pytest.param({"note": ""}, id="empty-note"),
        pytest.param({"note": "x" * 2001}, id="long-note"),
        pytest.param({"note": "请\x00回复"}, id="control-character"),
        pytest.param({"note": "请\x1b回复"}, id="escape-character"),
        pytest.param({"reply_by": None}, id="missing-reply-by"),
        pytest.param({"reply_by": "2026-12-03T09:00:00+08:00"}, id="past"),
        pytest.param({"reply_by": "2026-12-03T10:00:00+08:00"}, id="now"),
        pytest.param({"reply_by": "2027-01-03T10:00:01+08:00"}, id="over-30-days"),
        pytest.param({"reply_by": "2026-12-04T17:00:00"}, id="no-time-zone"),
        pytest.param({"reply_by": "tomorrow"}, id="not-a-date"),
        pytest.param({"reply_by": 20261204}, id="a-number"),
        pytest.param({"reply_by": "99999-01-01T00:00:00+08:00"}, id="huge-year"),
        pytest.param({"reply_by": "9999-12-31T23:59:59-12:00"}, id="year-9999"),
        pytest.param({"reply_by": ["2026-12-04T17:00:00+08:00"]}, id="a-list"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(demo, api, body):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        before = case_snapshot(case)
        payload = {"note": NOTE, "reply_by": REPLY_BY.isoformat(), **body}
        payload = {key: value for key, value in payload.items() if value is not None}
        response = signed_in("supervisor").post(case_url(case.reference, "urges/"), payload, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()["fields"]) == ["note" if "note" in body else "reply_by"]
        nothing_changed(case, before)


def test_the_last_allowed_reply_deadline_is_thirty_days_out(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        response = urge(signed_in("supervisor"), case, reply_by=(NOW + timedelta(days=30)).isoformat())
        assert response.status_code == 201, response.content


def test_a_bad_reply_is_400_and_changes_nothing(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        urge_id = urge(signed_in("supervisor"), case).json()["id"]
        unit = signed_in("unitmember")
        for body in ({}, {"note": ""}, {"note": "已\x00办"}, {"note": "x" * 2001}):
            response = unit.post(urge_url(urge_id, "reply/"), body, format="json")
            assert response.status_code == 400, (body, response.content)
        assert Urge.objects.get(pk=urge_id).state == "open"
        assert urge_timer(case).state == "running"
        assert not CaseEvent.objects.filter(case=case, transition="urge_answered").exists()


def test_deeply_nested_json_is_400_and_changes_nothing(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        before = case_snapshot(case)
        deep = '{"reply_by": "2026-12-04T17:00:00+08:00", "note": ' + "[" * 100 + "]" * 100 + "}"
        response = signed_in("supervisor").post(
            case_url(case.reference, "urges/"), deep, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        nothing_changed(case, before)


def test_notes_are_masked_for_those_who_do_not_read_personal_data(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        noted = urge(signed_in("supervisor"), case, note="请联系李先生 13912345678")
        assert noted.status_code == 201
        urge_id = noted.json()["id"]
        for username in ("unitmember", "gridworker", "supervisor"):
            note = signed_in(username).get(urge_url(urge_id)).json()["note"]
            assert "13912345678" not in note and "李先生" not in note, (username, note)
        dispatcher = signed_in("dispatcher")
        assert dispatcher.get(urge_url(urge_id)).json()["note"] == "请联系李先生 13912345678"
        listed = dispatcher.get(case_url(case.reference, "urges/")).json()
        assert listed[0]["note"] == "请联系李先生 13912345678"
        # The log keeps it whole; the store too.
        assert Urge.objects.get(pk=urge_id).note == "请联系李先生 13912345678"


def test_a_case_assigned_after_the_urge_may_be_answered_by_its_unit(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("collected")
        urge_id = urge(signed_in("supervisor"), case).json()["id"]
        classified = signed_in("dispatcher").post(
            f"/api/v1/cases/{case.reference}/transitions/classify/",
            {"version": Case.objects.get(pk=case.pk).version, **demo.classify_payload()},
            format="json",
        )
        assert classified.status_code == 200, classified.content
        replied = signed_in("unitmember").post(urge_url(urge_id, "reply/"), {"note": "已接手"})
        assert replied.status_code == 200, replied.content
        assert replied.json()["answered_by"] == "unitmember"
        assert urge_timer(case).state == "stopped"


def test_a_superuser_urges_any_case(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        response = urge(signed_in("admin"), case)
        assert response.status_code == 201, response.content
        assert response.json()["urged_by"] == "admin"
