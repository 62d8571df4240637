"""The consultation as a viewflow process, and its clocks (docs/sla.md,
docs/consultation.md#process): the vote closes early when the sixth party votes or at its deadline,
when the SLA sweep fires the `vote` timer; the SLA engine opens a consultation for a hard case that
missed its resolve clock."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from viewflow.workflow.lock import select_for_update_lock
from viewflow.workflow.models import Task

from casework.models import Notification, SlaBreach, SlaTimer
from casework.services.sla_sweep import sla_sweep
from tests.factories import PASSWORD, case_file, case_move, consultation_of, consultation_url
from workflows.consultation_flow import ConsultationFlow
from workflows.consultation_states import PARTIES
from workflows.working_time import SHANGHAI

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
# The whole of each test starts on that Monday morning and runs on from there.
pytestmark = [pytest.mark.django_db, pytest.mark.clock(MONDAY_9)]


def tasks(consultation) -> dict[str, str]:
    """The flow's tasks by node name → status (the latest task of each node)."""
    return {
        task.flow_task.name: task.status
        for task in Task.objects.filter(process_id=consultation.process_id).order_by("pk")
    }


def cast(api, consultation, choices: dict):
    for party, choice in choices.items():
        response = api(party).post(consultation_url(consultation.pk, "ballots/"), {"option": choice})
        assert response.status_code == 201, response.content


@pytest.fixture
def voting(demo):
    with time_machine.travel(MONDAY_9, tick=False):
        case = demo.case_in("consultation")
    consultation = consultation_of(case)
    return case, consultation, [o.pk for o in consultation.options.order_by("position")]


def test_escalate_starts_the_flow_which_waits_for_one_ballot_per_party(voting):
    _case, consultation, _options = voting

    assert consultation.process.flow_class is ConsultationFlow
    waiting = {name for name, status in tasks(consultation).items() if status == "NEW"}
    assert waiting == {f"ballot_{party}" for party in PARTIES} | {"vote_deadline"}
    assert tasks(consultation)["write_options"] == "DONE"
    assert consultation.state == "voting" and consultation.quorum == settings.CONSULTATION_QUORUM


def test_voting_opens_the_vote_clock_which_is_when_the_vote_closes(demo, voting):
    case, consultation, _options = voting
    vote = SlaTimer.objects.get(case=case, kind="vote")

    assert (vote.state, vote.started_at) == ("running", MONDAY_9)
    assert vote.due_at == MONDAY_9 + timedelta(hours=48) == consultation.closes_at
    consult = SlaTimer.objects.get(case=case, kind="consult")  # started by escalate
    assert consult.state == "running"
    for party in PARTIES:
        assert Notification.objects.filter(user=demo.user(party), kind="vote_open").count() == 1


def test_the_vote_closes_early_when_the_sixth_party_votes(demo, api, voting):
    case, consultation, (a, b) = voting
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        cast(api, consultation, {party: a for party in PARTIES[:5]})
        consultation.refresh_from_db()
        assert consultation.state == "voting"

        cast(api, consultation, {PARTIES[5]: b})

    consultation.refresh_from_db()
    case.refresh_from_db()
    assert consultation.state == "decided" and consultation.closed_at == MONDAY_9 + timedelta(hours=1)
    assert case.state == "handling"
    flow = tasks(consultation)
    assert flow["vote_deadline"] == "CANCELED"  # nobody waits for the deadline any more
    assert {flow[f"ballot_{party}"] for party in PARTIES} == {"DONE"}
    assert (flow["tally"], flow["decide"], flow["end"]) == ("DONE", "DONE", "DONE")
    assert "supervisor_decides" not in flow
    assert consultation.process.status == "DONE"
    vote = SlaTimer.objects.get(case=case, kind="vote")
    assert vote.state == "stopped" and not SlaBreach.objects.exists()


def test_the_vote_closes_at_its_deadline_through_the_sla_sweep(demo, api, voting):
    case, consultation, (a, b) = voting
    with time_machine.travel(MONDAY_9 + timedelta(hours=3), tick=False):
        cast(api, consultation, {PARTIES[0]: b, PARTIES[1]: b, PARTIES[2]: b, PARTIES[3]: a})
    deadline = consultation.closes_at

    assert sla_sweep(now=deadline - timedelta(minutes=1)).get("breached") is None
    consultation.refresh_from_db()
    assert consultation.state == "voting"

    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        assert sla_sweep()["breached"] == 1
        assert sla_sweep() == {}  # firing twice changes nothing

    consultation.refresh_from_db()
    case.refresh_from_db()
    assert (consultation.state, consultation.outcome_id) == ("decided", b)
    assert consultation.closed_at == deadline + timedelta(minutes=1)
    assert (case.state, case.unit) == ("handling", demo.unit("dept-urban"))
    flow = tasks(consultation)
    assert flow["vote_deadline"] == "DONE"
    assert flow[f"ballot_{PARTIES[4]}"] == flow[f"ballot_{PARTIES[5]}"] == "CANCELED"
    # The two parties that did not vote are the vote clock's miss.
    breach = SlaBreach.objects.get()
    assert (breach.kind, breach.case, breach.unit) == ("vote", case, None)  # not the unit's miss


def test_a_deadline_without_quorum_hands_the_decision_to_the_supervisor(demo, api, voting):
    case, consultation, (a, b) = voting
    cast(api, consultation, {PARTIES[1]: a})

    with time_machine.travel(consultation.closes_at + timedelta(seconds=5), tick=False):
        sla_sweep()

    consultation.refresh_from_db()
    assert consultation.state == "undecided"
    assert tasks(consultation)["supervisor_decides"] == "NEW"
    assert Notification.objects.filter(user=demo.user("supervisor"), kind="decide_needed").exists()

    case.refresh_from_db()
    response = api("supervisor").post(
        f"/api/v1/cases/{case.reference}/transitions/decide/", {"version": case.version, "option": b}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["unit"]) == ("handling", demo.unit("dept-urban").pk)
    consultation.refresh_from_db()
    assert (consultation.decided_option_id, consultation.decided_by) == (b, demo.user("supervisor"))
    assert consultation.outcome_id is None  # the vote itself found no winner
    assert tasks(consultation)["supervisor_decides"] == "DONE"
    assert consultation.process.status == "DONE"


def test_the_supervisor_cannot_decide_while_the_vote_is_open(demo, api, voting):
    case, _consultation, (a, _b) = voting

    response = api("supervisor").post(
        f"/api/v1/cases/{case.reference}/transitions/decide/", {"version": case.version, "option": a}
    )

    assert response.status_code == 409
    assert response.json()["error"] == "condition_failed"


def test_decide_stops_the_consult_clock_and_starts_resolve_for_the_plans_unit(demo, api, voting):
    case, consultation, (_a, b) = voting
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        cast(api, consultation, {party: b for party in PARTIES})

    consult = SlaTimer.objects.get(case=case, kind="consult")
    resolve = SlaTimer.objects.get(case=case, kind="resolve", state="running")
    assert (consult.state, consult.stopped_at) == ("stopped", MONDAY_9 + timedelta(hours=2))
    assert resolve.unit == demo.unit("dept-urban")
    assert resolve.started_at == MONDAY_9 + timedelta(hours=2)


def test_the_vote_clock_warns_only_the_parties_that_have_not_voted(demo, api, voting):
    case, consultation, (a, _b) = voting
    cast(api, consultation, {PARTIES[0]: a, PARTIES[1]: a})
    vote = SlaTimer.objects.get(case=case, kind="vote")

    sla_sweep(now=vote.warn_at)

    warned = set(
        Notification.objects.filter(kind="warning", case=case).values_list("user__username", flat=True)
    )
    assert warned == set(PARTIES[2:])


def test_a_hard_case_missing_resolve_is_escalated_by_the_sla_engine(demo, api):
    with time_machine.travel(MONDAY_9, tick=False):
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
            (demo.user("unitmember"), "accept", {}),
        )
    resolve = SlaTimer.objects.get(case=case, kind="resolve", state="running")

    sla_sweep(now=resolve.due_at)

    case.refresh_from_db()
    consultation = consultation_of(case)
    assert case.state == "consultation"
    escalate = case.events.get(transition="escalate")
    assert escalate.actor is None and escalate.payload["mode"] == "hall"
    assert (consultation.state, consultation.mode) == ("drafting", "hall")
    assert tasks(consultation)["write_options"] == "NEW"
    assert Notification.objects.filter(user=demo.user("dispatcher"), kind="consult_needed").exists()

    # The dispatcher writes the options; the hall meeting needs its place and time.
    url = consultation_url(consultation.pk, "options/")
    missing = api("dispatcher").post(url, {"options": ["限期整改"]})
    assert missing.status_code == 400
    assert {"place", "starts_at"} <= set(missing.json()["fields"])
    written = api("dispatcher").post(
        url,
        {"options": ["限期整改", "更换承办单位"], "place": "社区议事厅", "starts_at": "2026-12-10T19:00+08:00"},
    )
    assert written.status_code == 200, written.content
    body = written.json()
    assert (body["state"], body["place"]) == ("voting", "社区议事厅")
    assert [o["text"] for o in body["options"]] == ["限期整改", "更换承办单位"]
    assert SlaTimer.objects.filter(case=case, kind="vote", state="running").exists()
    assert api("dispatcher").post(url, {"options": ["再来一次"]}).status_code == 409


def test_only_the_convenors_write_options(demo, api):
    case = case_move(
        demo.case_in("handling"), (demo.user("dispatcher"), "escalate", demo.escalate_payload())
    )
    consultation = consultation_of(case)

    for username, status in [("party_committee", 403), ("unitmember", 403), ("outsider", 404)]:
        response = api(username).post(consultation_url(consultation.pk, "options/"), {"options": ["甲"]})
        assert response.status_code == status, username


def test_a_case_can_go_to_a_second_consultation_after_the_first_decided(demo, api, voting):
    case, first, (a, _b) = voting
    cast(api, first, {party: a for party in PARTIES})
    case.refresh_from_db()

    response = api("dispatcher").post(
        f"/api/v1/cases/{case.reference}/transitions/escalate/",
        {"version": case.version, **demo.escalate_payload(options=["重新商议"])},
    )

    assert response.status_code == 200, response.content
    second = consultation_of(case)
    assert second.pk != first.pk and response.json()["consultation"] == second.pk
    assert second.state == "voting"


def test_minutes_and_attendance_after_the_meeting(demo, api):
    starts = MONDAY_9 + timedelta(days=1)
    with time_machine.travel(MONDAY_9, tick=False):
        case = case_move(
            demo.case_in("classified"),
            (
                demo.user("dispatcher"),
                "escalate",
                demo.escalate_payload(mode="on_site", place="7号楼南侧", starts_at=starts.isoformat()),
            ),
        )
        consultation = consultation_of(case)
        url = consultation_url(consultation.pk, "minutes/")
        minutes = {"minutes": "六方到场查看，物业承诺三日内清运。", "present": ["party_committee", "property"]}
        early = api("dispatcher").post(url, minutes)
    assert early.status_code == 409 and early.json()["error"] == "meeting_ahead"

    with time_machine.travel(starts + timedelta(hours=2), tick=False):
        assert api("property").post(url, minutes).status_code == 403
        # The next day: yesterday's token has lapsed, the dispatcher signs in again.
        dispatcher = api(None)
        signed_in = dispatcher.post("/api/v1/auth/token/", {"username": "dispatcher", "password": PASSWORD})
        dispatcher.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
        response = dispatcher.post(url, minutes)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["minutes"] == minutes["minutes"]
    assert body["attendance"] == {party: party in minutes["present"] for party in PARTIES}
    event = case.events.get(transition="minutes")
    assert event.payload["present"] == ["party_committee", "property"]


def test_an_online_consultation_has_no_minutes(demo, api, voting):
    _case, consultation, _options = voting

    response = api("dispatcher").post(
        consultation_url(consultation.pk, "minutes/"), {"minutes": "无", "present": []}
    )

    assert response.status_code == 409 and response.json()["error"] == "no_meeting"


def test_viewflow_is_used_with_a_row_lock_and_without_its_own_site(client):
    assert ConsultationFlow.lock_impl is select_for_update_lock
    assert settings.VIEWFLOW == {"AUTOREGISTER": False}
    assert not any(m.startswith("viewflow") for m in settings.MIDDLEWARE)
