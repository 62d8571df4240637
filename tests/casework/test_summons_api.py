"""Summons (吹哨) and check-in (报到) through the API, as the role who does each step
(docs/summons.md, docs/api.md#summons): the dispatcher or a street supervisor summons a lead
and co-units, each unit checks in on its own clock, co-units record their part, and the
lead resolves once no part is open."""

from datetime import datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from django.contrib.auth import get_user_model

from casework.models import Case, CaseEvent, Membership, Notification, Role, SlaBreach, SlaTimer, Summons
from casework.models import Community, Unit
from casework.services.sla_sweep import sla_sweep
from tests.factories import PASSWORD, case_file, case_move, case_snapshot, case_url, transition_url
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)  # a Thursday in working hours
CONTRACT = {"id", "unit", "role", "summoned_at", "due_at", "checked_in_at", "attendee", "part_done_at"}


# Members of the other units and C2's dispatcher (the demo history's cast, made here).
CREW = {
    "unit_urban": {"role": Role.UNIT_MEMBER, "unit": "dept-urban"},
    "unit_housing": {"role": Role.UNIT_MEMBER, "unit": "dept-housing"},
    "unit_power": {"role": Role.UNIT_MEMBER, "unit": "local-power"},
    "dispatcher_c2": {"role": Role.DISPATCHER, "community": "C2"},
}


@pytest.fixture(autouse=True)
def crew(demo):
    for username, spec in CREW.items():
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        place = (
            {"unit": Unit.objects.get(code=spec["unit"])}
            if "unit" in spec
            else {"community": Community.objects.get(code=spec["community"])}
        )
        Membership.objects.get_or_create(user=user, role=spec["role"], **place)


def signed_in(username: str) -> APIClient:
    """A fresh token at the travelled time."""
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def summon(username, case, body, version=None):
    version = Case.objects.get(pk=case.pk).version if version is None else version
    return signed_in(username).post(
        transition_url(case.reference, "summon"), {**body, "version": version}, format="json"
    )


def summons_url(summons_id: int, action: str) -> str:
    return f"/api/v1/summons/{summons_id}/{action}/"


def step(username, summons, action, body):
    return signed_in(username).post(summons_url(summons.pk, action), body, format="json")


def of(case, unit_code) -> Summons:
    return Summons.objects.get(case=case, unit__code=unit_code, superseded_at__isnull=True)


def inbox(demo, username, kind="summons"):
    return list(
        Notification.objects.filter(user=demo.user(username), kind=kind).values_list(
            "message", flat=True
        )
    )


def summoned(demo, co=("dept-urban", "dept-housing"), **overrides):
    """A fresh case the dispatcher has summoned property-1 (lead) and `co` to."""
    case = case_file(demo.user("gridworker"))
    response = summon("dispatcher", case, demo.summon_payload(co=co, **overrides))
    assert response.status_code == 200, response.content
    return Case.objects.get(pk=case.pk)


def test_the_dispatcher_summons_a_lead_and_two_co_units(demo):
    with time_machine.travel(NOW, tick=False):
        case = case_file(demo.user("gridworker"))
        version = case.version
        body = demo.summon_payload(co=("dept-urban", "dept-housing"))

        response = summon("dispatcher", case, body)

        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["state"] == "classified" and answer["unit"] == demo.unit().pk
        case = Case.objects.get(pk=case.pk)
        assert case.version == version + 1 and case.difficulty == "small"
        # The lead owes the response, as with a single-unit dispatch.
        respond = SlaTimer.objects.get(case=case, kind="respond", state="running")
        assert respond.unit_id == demo.unit().pk

        listed = signed_in("dispatcher").get(case_url(case.reference, "summons/"))
        assert listed.status_code == 200
        rows = listed.json()
        assert [row["role"] for row in rows] == ["lead", "co", "co"]
        assert [row["unit"] for row in rows] == [
            demo.unit(code).pk for code in ("property-1", "dept-urban", "dept-housing")
        ]
        for row in rows:
            assert CONTRACT <= set(row)
            # The default check-in policy: 2 hours.
            assert datetime.fromisoformat(row["due_at"]) == NOW + timedelta(hours=2)
            assert datetime.fromisoformat(row["summoned_at"]) == NOW
            assert row["checked_in_at"] is None and row["attendee"] == ""
            assert row["part_done_at"] is None and row["origin"] == "community"

        event = CaseEvent.objects.get(case=case, transition="summon")
        assert event.seq == version + 1 and event.from_state == "collected"
        assert event.payload["lead"] == demo.unit().pk
        assert event.payload["co_units"] == [demo.unit("dept-urban").pk, demo.unit("dept-housing").pk]
        assert event.payload["origin"] == "community"

        (lead_message,) = inbox(demo, "unitmember")
        assert case.reference in lead_message
        assert len(inbox(demo, "unit_urban")) == 1 and len(inbox(demo, "unit_housing")) == 1
        assert inbox(demo, "unit_power") == []

        # The co-units now see the case; others outside scope still do not.
        assert signed_in("unit_urban").get(case_url(case.reference)).status_code == 200
        assert signed_in("unit_power").get(case_url(case.reference, "summons/")).status_code == 404


def test_an_urgent_case_must_be_checked_in_within_30_minutes(demo):
    with time_machine.travel(NOW, tick=False):
        case = summoned(demo, urgency="urgent")
        due = {s.due_at for s in Summons.objects.filter(case=case)}
        assert due == {NOW + timedelta(minutes=30)}


def test_a_street_supervisor_blows_the_streets_whistle(demo):
    with time_machine.travel(NOW, tick=False):
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload()),
        )
        # A dispatcher may not claim the street's whistle.
        refused = summon("dispatcher", case, demo.summon_payload(origin="street"))
        assert refused.status_code == 400 and "origin" in refused.json()["fields"]

        response = summon("supervisor", case, demo.summon_payload(lead="dept-urban", co=("property-1",), origin="street"))

        assert response.status_code == 200, response.content
        assert response.json()["unit"] == demo.unit("dept-urban").pk
        assert set(Summons.objects.filter(case=case).values_list("origin", flat=True)) == {"street"}
        # From classified the earlier unit's respond clock gives way to the lead's.
        assert SlaTimer.objects.get(case=case, state="running", kind="respond").unit_id == demo.unit("dept-urban").pk


def test_summoning_again_replaces_the_earlier_summons(demo):
    with time_machine.travel(NOW, tick=False):
        case = summoned(demo)
        response = summon("dispatcher", case, demo.summon_payload(lead="dept-housing", co=()))
        assert response.status_code == 200, response.content
        rows = signed_in("dispatcher").get(case_url(case.reference, "summons/")).json()
        assert [(row["unit"], row["role"]) for row in rows] == [(demo.unit("dept-housing").pk, "lead")]
        assert Summons.objects.filter(case=case, superseded_at=NOW).count() == 3


@pytest.mark.parametrize(
    ("username", "status"),
    [("gridworker", 403), ("party_committee", 403), ("outsider", 404), ("dispatcher_c2", 404)],
)
def test_the_wrong_person_cannot_summon(demo, username, status):
    with time_machine.travel(NOW, tick=False):
        case = case_file(demo.user("gridworker"))
        before = case_snapshot(case)
        response = summon(username, case, demo.summon_payload())
        assert response.status_code == status, response.content
        assert case_snapshot(case) == before and not Summons.objects.exists()


def test_a_case_being_handled_cannot_be_summoned(demo):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        before = case_snapshot(case)
        response = summon("dispatcher", case, demo.summon_payload())
        assert response.status_code == 409 and response.json()["error"] == "invalid_state"
        assert case_snapshot(case) == before and not Summons.objects.exists()


BAD_INPUT = [
    ("unknown-unit", {"lead": 999999}, "lead"),
    ("lead-not-serving", {"lead": "property-2"}, "lead"),
    ("co-not-serving", {"co_units": ["property-2"]}, "co_units"),
    ("lead-among-co", {"co_units": ["property-1"]}, "co_units"),
    ("duplicate-co", {"co_units": ["dept-urban", "dept-urban"]}, "co_units"),
    ("bad-origin", {"origin": "mayor"}, "origin"),
    ("no-reason", {"reason": ""}, "reason"),
    ("too-many", {"co_units": ["dept-urban", "dept-housing", "local-power"]}, "co_units"),
    ("no-category", {"category": None}, "category"),
]


@pytest.mark.parametrize(("payload", "field"), [(p, f) for _i, p, f in BAD_INPUT], ids=[i for i, _p, _f in BAD_INPUT])
def test_bad_input_is_400_and_changes_nothing(demo, settings, payload, field):
    settings.SUMMONS_MAX_CO_UNITS = 2
    with time_machine.travel(NOW, tick=False):
        case = case_file(demo.user("gridworker"), category=None)
        before = case_snapshot(case)
        body = demo.summon_payload()
        for key, value in payload.items():
            if key == "lead" and isinstance(value, str):
                value = demo.unit(value).pk
            if key == "co_units":
                value = [demo.unit(code).pk for code in value]
            body[key] = value

        response = summon("dispatcher", case, body)

        assert response.status_code == 400, response.content
        assert field in response.json()["fields"], response.json()
        assert case_snapshot(case) == before and not Summons.objects.exists()
        assert not Notification.objects.filter(kind="summons").exists()


def test_hostile_input_is_400_and_changes_nothing(demo):
    with time_machine.travel(NOW, tick=False):
        case = case_file(demo.user("gridworker"))
        before = case_snapshot(case)
        control = summon("dispatcher", case, demo.summon_payload(reason="联合\x00处置"))
        assert control.status_code == 400
        deep: object = "x"
        for _level in range(200):
            deep = [deep]
        nested = summon("dispatcher", case, demo.summon_payload(co_units=deep))
        assert nested.status_code == 400
        assert case_snapshot(case) == before and not Summons.objects.exists()


def test_each_unit_checks_in_for_itself_once(demo):
    with time_machine.travel(NOW, tick=False):
        case = summoned(demo)
        urban = of(case, "dept-urban")
        version = Case.objects.get(pk=case.pk).version

        # Others in scope may not check in for the unit; outsiders do not see it.
        for username in ("gridworker", "dispatcher", "unitmember", "unit_housing"):
            refused = step(username, urban, "check-in", {"attendee": "张队长"})
            assert refused.status_code == 403, (username, refused.content)
        assert step("outsider", urban, "check-in", {"attendee": "x"}).status_code == 404
        assert step("unit_urban", urban, "check-in", {"attendee": ""}).status_code == 400
        assert Case.objects.get(pk=case.pk).version == version

        response = step("unit_urban", urban, "check-in", {"attendee": "张队长 13900001111"})

        assert response.status_code == 200, response.content
        body = response.json()
        assert datetime.fromisoformat(body["checked_in_at"]) == NOW
        assert body["checked_in_by"] == "unit_urban" and body["check_in_late"] is False
        event = CaseEvent.objects.get(case=case, transition="check_in")
        assert event.seq == version + 1 and event.payload["summons"] == urban.pk
        assert event.payload["late"] is False
        assert Case.objects.get(pk=case.pk).version == version + 1

        twice = step("unit_urban", urban, "check-in", {"attendee": "李"})
        assert twice.status_code == 409 and twice.json()["error"] == "checked_in"
        assert not SlaBreach.objects.exists()


def test_a_missed_check_in_is_one_breach_per_summons_even_when_the_sweep_runs_twice(demo):
    with time_machine.travel(NOW, tick=False):
        case = summoned(demo)
        assert step("unitmember", of(case, "property-1"), "check-in", {"attendee": "王经理"}).status_code == 200

    later = NOW + timedelta(hours=2, minutes=5)
    with time_machine.travel(later, tick=False):
        first = sla_sweep()
        second = sla_sweep()

        assert first["check_in_breached"] == 2 and "check_in_breached" not in second
        breaches = SlaBreach.objects.filter(case=case, kind="check_in")
        assert breaches.count() == 2
        assert {b.unit.code for b in breaches} == {"dept-urban", "dept-housing"}
        for breach in breaches:
            assert breach.summons.unit_id == breach.unit_id and breach.timer is None
            assert breach.due_at == NOW + timedelta(hours=2) and breach.breached_at == later
        # Owed to the summoning level: the community's dispatchers for a community's whistle.
        assert len(inbox(demo, "dispatcher", kind="breach")) == 2
        assert inbox(demo, "supervisor", kind="breach") == []

        # Checking in late now adds no second breach.
        late = step("unit_urban", of(case, "dept-urban"), "check-in", {"attendee": "张队长"})
        assert late.status_code == 200 and late.json()["check_in_late"] is True
        assert SlaBreach.objects.filter(case=case, kind="check_in").count() == 2
        sla_sweep()
        assert SlaBreach.objects.filter(case=case, kind="check_in").count() == 2

        # The supervisors' breach list shows them.
        listed = signed_in("supervisor").get("/api/v1/breaches/?kind=check_in")
        assert listed.status_code == 200, listed.content


def test_a_late_check_in_before_any_sweep_records_its_breach_for_the_street(demo):
    with time_machine.travel(NOW, tick=False):
        case = case_file(demo.user("gridworker"))
        assert summon("supervisor", case, demo.summon_payload(co=(), origin="street")).status_code == 200
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        response = step("unitmember", of(case, "property-1"), "check-in", {"attendee": "王经理"})
        assert response.status_code == 200
        (breach,) = SlaBreach.objects.filter(case=case)
        assert breach.kind == "check_in" and breach.breached_at == NOW + timedelta(hours=3)
        assert CaseEvent.objects.get(case=case, transition="check_in").payload["late"] is True
        # The street's whistle: the street's supervisors are owed it.
        assert len(inbox(demo, "supervisor", kind="breach")) == 1
        assert inbox(demo, "dispatcher", kind="breach") == []
        assert sla_sweep().get("check_in_breached") is None


def test_the_lead_resolves_only_once_no_co_units_part_is_open(demo):
    with time_machine.travel(NOW, tick=False):
        case = summoned(demo)
        lead, urban, housing = (of(case, c) for c in ("property-1", "dept-urban", "dept-housing"))
        case = case_move(case, (demo.user("unitmember"), "accept", {}))
        resolve = {"result": "已联合清运。", "outcome": "fixed"}

        def resolving():
            return signed_in("unitmember").post(
                transition_url(case.reference, "resolve"),
                {**resolve, "version": Case.objects.get(pk=case.pk).version},
                format="json",
            )

        before = case_snapshot(case)
        refused = resolving()
        assert refused.status_code == 409 and refused.json()["error"] == "parts_open"
        assert case_snapshot(case) == before

        # The lead has no part of its own; a part needs a check-in first; only members.
        assert step("unitmember", lead, "part-done", {"note": "x"}).json()["error"] == "lead_has_no_part"
        early = step("unit_urban", urban, "part-done", {"note": "已执法"})
        assert early.status_code == 409 and early.json()["error"] == "not_checked_in"
        assert step("unit_urban", urban, "check-in", {"attendee": "张队长"}).status_code == 200
        assert step("unit_housing", urban, "part-done", {"note": "x"}).status_code == 403
        version = Case.objects.get(pk=case.pk).version

        done = step("unit_urban", urban, "part-done", {"note": "已对占道堆放执法。"})

        assert done.status_code == 200, done.content
        assert datetime.fromisoformat(done.json()["part_done_at"]) == NOW
        event = CaseEvent.objects.get(case=case, transition="part_done")
        assert event.seq == version + 1 and event.payload["note"] == "已对占道堆放执法。"
        assert any("dept" in m or case.reference in m for m in inbox(demo, "unitmember"))
        assert step("unit_urban", urban, "part-done", {"note": "again"}).json()["error"] == "part_settled"
        assert resolving().json()["error"] == "parts_open"  # housing's part is still open

        # Only the lead closes a part, and with a reason.
        assert step("unit_housing", housing, "close", {"reason": "x"}).status_code == 403
        assert step("dispatcher", housing, "close", {"reason": "x"}).status_code == 403
        assert step("unitmember", housing, "close", {"reason": ""}).status_code == 400
        closed = step("unitmember", housing, "close", {"reason": "房管科无需到场，物业已处理。"})
        assert closed.status_code == 200, closed.content
        assert closed.json()["closed_by_lead_reason"] == "房管科无需到场，物业已处理。"
        assert closed.json()["part_closed_by"] == "unitmember"
        assert CaseEvent.objects.filter(case=case, transition="part_closed").count() == 1
        assert len(inbox(demo, "unit_housing")) == 2  # summoned, then the part closed
        assert step("unitmember", housing, "close", {"reason": "x"}).json()["error"] == "part_settled"

        resolved = resolving()
        assert resolved.status_code == 200, resolved.content
        assert resolved.json()["state"] == "evaluating"
        # Once the case has moved on, a summons takes no more steps.
        late = step("unit_housing", housing, "check-in", {"attendee": "x"})
        assert late.status_code == 409 and late.json()["error"] == "invalid_state"


def test_a_case_without_summons_resolves_as_before(demo):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        response = signed_in("unitmember").post(
            transition_url(case.reference, "resolve"),
            {"result": "已清运。", "outcome": "fixed", "version": case.version},
            format="json",
        )
        assert response.status_code == 200 and response.json()["state"] == "evaluating"
        listed = signed_in("gridworker").get(case_url(case.reference, "summons/"))
        assert listed.status_code == 200 and listed.json() == []


def test_the_monthly_figures_count_a_summons_as_the_leads_dispatch(demo):
    from casework.services.evaluation_run import evaluation_run

    november = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(november, tick=False):
        case = summoned(demo, co=())
        case_move(case, (demo.user("unitmember"), "accept", {}))
    with time_machine.travel(datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI), tick=False):
        figures = evaluation_run(period="2026-11").figures
    assert figures["totals"]["dispatched"] == 1
    assert figures["totals"]["responded_on_time"] == 1
    (unit,) = figures["units"]
    assert (unit["code"], unit["dispatched"]) == ("property-1", 1)
