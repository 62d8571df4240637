"""Extension requests (延期) through the API, as the role who does each step
(docs/extensions.md, docs/api.md#extensions): the unit asks, the dispatcher — or for a hard
case the street's supervisor — grants or refuses, and the resolve clock moves with a grant."""

from datetime import datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from casework.models import Case, CaseEvent, Extension, Notification, SlaBreach, SlaTimer
from casework.services.sla_sweep import sla_sweep
from tests.factories import PASSWORD, case_file, case_move, case_snapshot, case_url, transition_url
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)  # a Thursday in working hours


def extension_url(extension_id: int, action: str) -> str:
    return f"/api/v1/extensions/{extension_id}/{action}/"


def signed_in(username: str) -> APIClient:
    """A fresh token, at the travelled time (the `api` fixture's would have expired)."""
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def resolve_timer(case) -> SlaTimer:
    return SlaTimer.objects.get(case=case, kind="resolve", state__in=SlaTimer.OPEN_STATES)


def later(case, days=5) -> str:
    """A due date `days` after the resolve clock's current one, at 17:00 Beijing time."""
    due = resolve_timer(case).due_at.astimezone(SHANGHAI) + timedelta(days=days)
    return due.replace(hour=17, minute=0, second=0, microsecond=0).isoformat()


def ask(api, case, **body):
    return api("unitmember").post(
        case_url(case.reference, "extensions/"),
        {"due_at": later(case), "reason": "需要等待配件到货。", **body},
    )


def inbox(demo, username):
    return list(
        Notification.objects.filter(user=demo.user(username), kind="extension").values_list(
            "message", flat=True
        )
    )


def nothing_changed(case, before):
    assert case_snapshot(case) == before
    assert not Extension.objects.filter(case=case).exists()


def test_the_unit_asks_and_the_dispatcher_grants_moving_the_resolve_due_date(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        old_due = resolve_timer(case).due_at
        new_due = later(case)
        version = Case.objects.get(pk=case.pk).version

        asked = ask(api, case)
        assert asked.status_code == 201, asked.content
        body = asked.json()
        assert body["state"] == "asked" and body["case"] == case.reference
        assert body["asked_by"] == "unitmember" and body["reason"] == "需要等待配件到货。"
        assert datetime.fromisoformat(body["due_at"]) == datetime.fromisoformat(new_due)
        assert datetime.fromisoformat(body["due_before"]) == old_due
        assert body["decided_by"] is None and body["decided_at"] is None

        event = CaseEvent.objects.get(case=case, transition="extension_asked")
        assert event.payload["extension"] == body["id"] and event.payload["reason"]
        assert event.seq == version + 1 and Case.objects.get(pk=case.pk).version == version + 1
        (message,) = inbox(demo, "dispatcher")
        assert case.reference in message
        assert inbox(demo, "supervisor") == []

        # Everyone in scope reads the list.
        listed = api("gridworker").get(case_url(case.reference, "extensions/"))
        assert listed.status_code == 200 and [e["id"] for e in listed.json()] == [body["id"]]

        granted = api("dispatcher").post(extension_url(body["id"], "approve"))
        assert granted.status_code == 200, granted.content
        assert granted.json()["state"] == "granted"
        assert granted.json()["decided_by"] == "dispatcher" and granted.json()["decided_at"]
        timer = resolve_timer(case)
        assert timer.due_at == datetime.fromisoformat(new_due)
        assert timer.next_check_at == timer.warn_at and old_due < timer.warn_at < timer.due_at
        assert CaseEvent.objects.filter(case=case, transition="extension_granted").count() == 1
        (told,) = inbox(demo, "unitmember")
        assert case.reference in told

        # Deciding again is a conflict.
        again = api("dispatcher").post(extension_url(body["id"], "approve"))
        assert again.status_code == 409 and again.json()["error"] == "extension_decided"

    # The sweep no longer breaches at the old due time, but does at the new one.
    assert sla_sweep(now=old_due + timedelta(minutes=1)).get("breached", 0) == 0
    assert not SlaBreach.objects.filter(case=case).exists()
    assert sla_sweep(now=timer.due_at + timedelta(minutes=1)).get("breached") == 1
    assert SlaBreach.objects.get(case=case).due_at == timer.due_at


def test_a_unit_warned_already_is_warned_again_before_the_new_due_date(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
    timer = resolve_timer(case)
    assert sla_sweep(now=timer.warn_at) == {"warned": 1}
    with time_machine.travel(timer.warn_at + timedelta(minutes=5), tick=False):
        asked = signed_in("unitmember").post(
            case_url(case.reference, "extensions/"),
            {"due_at": (timer.due_at + timedelta(days=10)).isoformat(), "reason": "等配件"},
        )
        assert asked.status_code == 201, asked.content
        granted = signed_in("dispatcher").post(extension_url(asked.json()["id"], "approve"))
        assert granted.status_code == 200, granted.content
    moved = resolve_timer(case)
    assert moved.warned_at is None and moved.next_check_at == moved.warn_at > timer.due_at
    assert sla_sweep(now=timer.due_at + timedelta(minutes=1)) == {}
    assert sla_sweep(now=moved.warn_at) == {"warned": 1}


def test_a_paused_resolve_clock_may_be_extended_and_keeps_its_pause_allowance(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling_suspended")
        paused = resolve_timer(case)
        asked = ask(api, case)
        assert asked.status_code == 201, asked.content
        due_before = datetime.fromisoformat(asked.json()["due_before"])
        allowance = paused.due_at - due_before
        assert allowance > timedelta(0)  # the paused clock's due date holds the allowance
        assert api("dispatcher").post(extension_url(asked.json()["id"], "approve")).status_code == 200
        timer = resolve_timer(case)
        assert timer.state == "paused"
        assert timer.due_at == datetime.fromisoformat(asked.json()["due_at"]) + allowance


def test_the_dispatcher_refuses_with_a_reason_and_the_clock_stays(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        due = resolve_timer(case).due_at
        extension_id = ask(api, case).json()["id"]

        no_reason = api("dispatcher").post(extension_url(extension_id, "refuse"), {})
        assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
        assert Extension.objects.get(pk=extension_id).state == "asked"

        refused = api("dispatcher").post(
            extension_url(extension_id, "refuse"), {"reason": "配件可先行借用，请按期办结。"}
        )
        assert refused.status_code == 200, refused.content
        assert refused.json()["state"] == "refused"
        assert refused.json()["decision_reason"] == "配件可先行借用，请按期办结。"
        assert resolve_timer(case).due_at == due
        event = CaseEvent.objects.get(case=case, transition="extension_refused")
        assert event.payload["reason"] == "配件可先行借用，请按期办结。"
        assert any("配件可先行借用" in message for message in inbox(demo, "unitmember"))

        approve_after = api("dispatcher").post(extension_url(extension_id, "approve"))
        assert approve_after.status_code == 409
        assert approve_after.json()["error"] == "extension_decided"
        # A refused request does not count: the unit may ask again.
        assert ask(api, case).status_code == 201


def test_a_hard_case_is_decided_by_the_street_supervisor(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
            (demo.user("unitmember"), "accept", {}),
        )
        extension_id = ask(api, case).json()["id"]
        assert inbox(demo, "supervisor") and inbox(demo, "dispatcher") == []

        by_dispatcher = api("dispatcher").post(extension_url(extension_id, "approve"))
        assert by_dispatcher.status_code == 403
        assert Extension.objects.get(pk=extension_id).state == "asked"

        by_supervisor = api("supervisor").post(extension_url(extension_id, "approve"))
        assert by_supervisor.status_code == 200, by_supervisor.content
        assert by_supervisor.json()["decided_by"] == "supervisor"


def test_wrong_roles_are_refused(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        before = case_snapshot(case)
        for username in ("dispatcher", "gridworker", "supervisor"):
            response = api(username).post(
                case_url(case.reference, "extensions/"),
                {"due_at": later(case), "reason": "需要时间"},
            )
            assert response.status_code == 403, (username, response.content)
        nothing_changed(case, before)

        extension_id = ask(api, case).json()["id"]
        for username in ("unitmember", "gridworker"):  # the unit cannot grant its own
            response = api(username).post(extension_url(extension_id, "approve"))
            assert response.status_code == 403, (username, response.content)
            response = api(username).post(extension_url(extension_id, "refuse"), {"reason": "不"})
            assert response.status_code == 403, (username, response.content)
        assert Extension.objects.get(pk=extension_id).state == "asked"


def test_another_communitys_case_and_request_do_not_exist_for_you(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        extension_id = ask(api, case).json()["id"]
        outsider = api("outsider")  # a grid worker of the other community
        assert outsider.get(case_url(case.reference, "extensions/")).status_code == 404
        assert outsider.post(
            case_url(case.reference, "extensions/"), {"due_at": later(case), "reason": "x"}
        ).status_code == 404
        assert outsider.post(extension_url(extension_id, "approve")).status_code == 404
        assert outsider.post(extension_url(extension_id, "refuse"), {"reason": "x"}).status_code == 404
        assert api("dispatcher").post(extension_url(999999, "approve")).status_code == 404
        assert Extension.objects.get(pk=extension_id).state == "asked"


def test_only_a_case_in_handling_gets_more_time(demo, api):
    with time_machine.travel(NOW, tick=False):
        classified = demo.case_in("classified")
        response = api("unitmember").post(
            case_url(classified.reference, "extensions/"),
            {"due_at": (NOW + timedelta(days=10)).isoformat(), "reason": "需要时间"},
        )
        assert response.status_code == 409 and response.json()["error"] == "invalid_state"
        assert not Extension.objects.exists()

        # Asked while handling; resolved before the decision: approving is a conflict.
        case = demo.case_in("handling")
        extension_id = ask(api, case).json()["id"]
        resolved = api("unitmember").post(
            transition_url(case.reference, "resolve"),
            {"version": Case.objects.get(pk=case.pk).version, "result": "已修好", "outcome": "fixed"},
        )
        assert resolved.status_code == 200, resolved.content
        late = api("dispatcher").post(extension_url(extension_id, "approve"))
        assert late.status_code == 409 and late.json()["error"] == "invalid_state"
        assert Extension.objects.get(pk=extension_id).state == "asked"
        # … but it can still be refused.
        refused = api("dispatcher").post(extension_url(extension_id, "refuse"), {"reason": "已办结"})
        assert refused.status_code == 200


def test_a_request_whose_date_has_passed_cannot_be_granted(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        asked = ask(api, case).json()
    due_at = datetime.fromisoformat(asked["due_at"])
    with time_machine.travel(due_at + timedelta(hours=1), tick=False):
        token = signed_in("dispatcher")
        late = token.post(extension_url(asked["id"], "approve"))
        assert late.status_code == 409 and late.json()["error"] == "extension_outdated"
        assert Extension.objects.get(pk=asked["id"]).state == "asked"
        refused = token.post(extension_url(asked["id"], "refuse"), {"reason": "期限已过"})
        assert refused.status_code == 200


def test_one_pending_request_at_a_time(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        assert ask(api, case).status_code == 201
        second = ask(api, case)
        assert second.status_code == 409 and second.json()["error"] == "extension_pending"
        assert Extension.objects.filter(case=case).count() == 1


def test_the_number_of_extensions_is_limited(demo, api, settings):
    settings.EXTENSIONS_MAX = 1
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        first = ask(api, case).json()["id"]
        assert api("dispatcher").post(extension_url(first, "approve")).status_code == 200
        before = case_snapshot(case)
        over = ask(api, case)
        assert over.status_code == 409 and over.json()["error"] == "extension_limit"
        assert case_snapshot(case) == before
        assert Extension.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"due_at": "2026-12-01T10:00:00+08:00"}, id="past"),
        pytest.param({"due_at": "EARLIER"}, id="earlier-than-current"),
        pytest.param({"due_at": "2027-06-01T10:00:00+08:00"}, id="too-far"),
        pytest.param({"reason": ""}, id="empty-reason"),
        pytest.param({"reason": None}, id="null-reason"),
        pytest.param({"reason": "x" * 2001}, id="long-reason"),
        pytest.param({"reason": "等\x00待"}, id="control-character"),
        pytest.param({"reason": "等\x1b待"}, id="escape-character"),
        pytest.param({"due_at": "next week"}, id="not-a-date"),
        pytest.param({"due_at": 20261210}, id="a-number"),
        pytest.param({"due_at": "99999-01-01T00:00:00+08:00"}, id="huge-year"),
        pytest.param({"due_at": "9999-12-31T23:59:59-12:00"}, id="year-9999"),
        pytest.param({"due_at": ["2026-12-20T10:00:00+08:00"]}, id="a-list"),
        pytest.param({"due_at": "2026-12-20T10:00:00"}, id="no-time-zone"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(demo, api, body):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        before = case_snapshot(case)
        timer = resolve_timer(case)
        if body.get("due_at") == "EARLIER":
            body = {"due_at": (timer.due_at - timedelta(hours=1)).isoformat()}
        payload = {"due_at": later(case), "reason": "需要等待配件到货。", **body}
        if body.get("reason") is None and "reason" in body:
            del payload["reason"]
        response = api("unitmember").post(case_url(case.reference, "extensions/"), payload)
        assert response.status_code == 400, response.content
        assert list(response.json()["fields"]) == ["reason" if "reason" in body else "due_at"]
        nothing_changed(case, before)
        assert resolve_timer(case).due_at == timer.due_at
        assert not Notification.objects.filter(kind="extension").exists()


def test_deeply_nested_json_is_400_and_changes_nothing(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        before = case_snapshot(case)
        deep = '{"due_at": "2026-12-20T10:00:00+08:00", "reason": ' + "[" * 100 + "]" * 100 + "}"
        response = api("unitmember").post(
            case_url(case.reference, "extensions/"), deep, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        nothing_changed(case, before)


def test_the_dispatcher_reads_a_request_with_its_phone_number_unmasked(demo, api):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        reason = "业主电话13912345678暂时联系不上，需延期。"
        asked = ask(api, case, reason=reason)
        assert asked.status_code == 201, asked.content

        one = api("dispatcher").get(f"/api/v1/extensions/{asked.json()['id']}/")

        assert one.status_code == 200 and one.json()["reason"] == reason
