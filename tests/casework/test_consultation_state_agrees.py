"""The consultation's two records agree at every step (workflows.consultation_flow): its
`state` column and the viewflow process's waiting tasks. Driven as people and the clock
drive it: the API for options, ballots and the supervisor's decision, the SLA sweep for
the deadline and for escalating a hard case."""

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from viewflow.workflow.models import Process

from casework.models import Consultation
from casework.services.consultations import consultation_flow_agrees, flow_position
from casework.services.sla_sweep import sla_sweep
from tests.factories import case_file, case_move, consultation_of, consultation_url
from workflows.consultation_flow import FlowPosition, flow_position_expected
from workflows.consultation_states import ABSTAIN, PARTIES
from workflows.working_time import SHANGHAI

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
pytestmark = [pytest.mark.django_db, pytest.mark.clock(MONDAY_9)]
ROOT = Path(__file__).resolve().parents[2]


def agreed(consultation: Consultation, state: str) -> Consultation:
    """Re-read; it is in `state` and its process says the same."""
    consultation = Consultation.objects.select_related("process").get(pk=consultation.pk)
    expected = flow_position_expected(
        consultation.state,
        voted=consultation.ballots.values_list("party", flat=True),
        decided=consultation.decided_at is not None,
    )
    assert consultation.state == state
    assert consultation_flow_agrees(consultation), (
        f"{consultation.state}: process at {flow_position(consultation)}, expected {expected}"
    )
    return consultation


def vote(api, consultation, party: str, choice) -> None:
    response = api(party).post(consultation_url(consultation.pk, "ballots/"), {"option": choice})
    assert response.status_code in (200, 201), response.content


def supervisor_decides(api, consultation, option: int) -> None:
    case = consultation.case
    case.refresh_from_db()
    response = api("supervisor").post(
        f"/api/v1/cases/{case.reference}/transitions/decide/",
        {"version": case.version, "option": option},
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def voting(demo):
    """Options written at escalate: the vote opens at once."""
    consultation = consultation_of(demo.case_in("consultation"))
    a, b = consultation.options.order_by("position").values_list("pk", flat=True)
    return agreed(consultation, "voting"), a, b


@pytest.fixture
def drafting(demo):
    """A hard case that missed its resolve clock: the SLA engine escalates without options."""
    case = case_move(
        case_file(demo.user("gridworker")),
        (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
        (demo.user("unitmember"), "accept", {}),
    )
    sla_sweep(now=case.timers.get(kind="resolve", state="running").due_at)
    return agreed(consultation_of(case), "drafting")


# Each party's choice ("a", "b" or abstain) and how the count comes out.
ALL_SIX = {
    "majority": ({p: "a" for p in PARTIES[:4]} | {p: "b" for p in PARTIES[4:]}, "decided"),
    # 3 : 3, the Party committee among the "a"s: its option wins the tie.
    "tie_broken": ({p: "a" for p in PARTIES[:3]} | {p: "b" for p in PARTIES[3:]}, "decided"),
    # 2 : 2, the Party committee abstains: nothing breaks the tie.
    "tie_unbroken": (
        {PARTIES[0]: ABSTAIN, PARTIES[1]: ABSTAIN, PARTIES[2]: "a", PARTIES[3]: "a",
         PARTIES[4]: "b", PARTIES[5]: "b"},
        "undecided",
    ),
    "all_abstain": ({p: ABSTAIN for p in PARTIES}, "undecided"),
}


@pytest.mark.parametrize("count", ALL_SIX, ids=list(ALL_SIX))
def test_all_six_vote_and_the_count_decides_or_hands_over(api, voting, count):
    consultation, a, b = voting
    choices, outcome = ALL_SIX[count]
    options = {"a": a, "b": b, ABSTAIN: ABSTAIN}

    # The first party changes its mind: a change is no new step for the flow.
    vote(api, consultation, PARTIES[0], options["b" if choices[PARTIES[0]] == "a" else "a"])
    agreed(consultation, "voting")
    for party, choice in choices.items():
        vote(api, consultation, party, options[choice])
        consultation = agreed(consultation, "voting" if party != PARTIES[-1] else outcome)

    assert consultation.process.status == ("DONE" if outcome == "decided" else "NEW")
    if outcome == "undecided":
        supervisor_decides(api, consultation, b)
        consultation = agreed(consultation, "undecided")
        assert consultation.process.status == "DONE" and consultation.decided_option_id == b


def test_the_deadline_closes_the_vote_with_a_winner(api, voting):
    consultation, a, b = voting
    for party in PARTIES[:4]:
        vote(api, consultation, party, b)
        agreed(consultation, "voting")

    sla_sweep(now=consultation.closes_at - timedelta(minutes=1))  # not yet
    agreed(consultation, "voting")
    with time_machine.travel(consultation.closes_at + timedelta(minutes=1), tick=False):
        assert sla_sweep()["breached"] == 1

    consultation = agreed(consultation, "decided")
    assert consultation.outcome_id == consultation.decided_option_id == b


def test_the_deadline_without_quorum_hands_over_to_the_supervisor(api, voting):
    consultation, a, _b = voting
    vote(api, consultation, PARTIES[1], a)
    agreed(consultation, "voting")

    # The supervisor may not decide while the vote is open; nothing moves.
    case = consultation.case
    refused = api("supervisor").post(
        f"/api/v1/cases/{case.reference}/transitions/decide/",
        {"version": case.version, "option": a},
    )
    assert refused.status_code == 409
    agreed(consultation, "voting")

    with time_machine.travel(consultation.closes_at + timedelta(seconds=5), tick=False):
        sla_sweep()
    agreed(consultation, "undecided")

    supervisor_decides(api, consultation, a)
    assert agreed(consultation, "undecided").process.status == "DONE"


def test_options_written_after_the_sla_engine_escalated(api, drafting):
    consultation = drafting
    url = consultation_url(consultation.pk, "options/")

    # Refused options (a hall meeting needs its place and time) change nothing.
    assert api("dispatcher").post(url, {"options": ["限期整改"]}).status_code == 400
    agreed(consultation, "drafting")
    written = api("dispatcher").post(
        url,
        {"options": ["限期整改", "更换承办单位"], "place": "社区议事厅",
         "starts_at": "2026-12-10T19:00+08:00"},
    )
    assert written.status_code == 200, written.content
    consultation = agreed(consultation, "voting")

    a, b = consultation.options.order_by("position").values_list("pk", flat=True)
    for party in PARTIES:
        vote(api, consultation, party, a)
    assert agreed(consultation, "decided").decided_option_id == a


def test_a_second_consultation_agrees_as_the_first(demo, api, voting):
    first, a, _b = voting
    for party in PARTIES:
        vote(api, first, party, a)
    agreed(first, "decided")
    case = first.case
    case.refresh_from_db()

    response = api("dispatcher").post(
        f"/api/v1/cases/{case.reference}/transitions/escalate/",
        {"version": case.version, **demo.escalate_payload(options=["重新商议"])},
    )

    assert response.status_code == 200, response.content
    agreed(consultation_of(case), "voting")
    agreed(first, "decided")


def test_a_column_out_of_step_with_its_process_is_found(voting):
    consultation, _a, _b = voting

    Consultation.objects.filter(pk=consultation.pk).update(state="decided")
    assert not consultation_flow_agrees(Consultation.objects.get(pk=consultation.pk))

    Consultation.objects.filter(pk=consultation.pk).update(state="voting")
    Process.objects.filter(pk=consultation.process_id).update(status="DONE")
    assert not consultation_flow_agrees(Consultation.objects.get(pk=consultation.pk))


def test_the_expected_position_of_each_state():
    everyone = {f"ballot_{party}" for party in PARTIES}

    assert flow_position_expected("drafting") == FlowPosition(frozenset({"write_options"}), False)
    assert flow_position_expected("voting", voted=PARTIES[:2]) == FlowPosition(
        frozenset(everyone - {f"ballot_{p}" for p in PARTIES[:2]} | {"vote_deadline"}), False
    )
    assert flow_position_expected("decided", decided=True) == FlowPosition(frozenset(), True)
    assert flow_position_expected("undecided") == FlowPosition(
        frozenset({"supervisor_decides"}), False
    )
    assert flow_position_expected("undecided", decided=True) == FlowPosition(frozenset(), True)


def test_only_the_flows_own_steps_write_the_state():
    """The column is the process's position: nothing but the flow's automatic nodes
    (casework.services.consultation_steps) assigns it."""
    writers = set()
    for path in (ROOT / "casework").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            values = ast.unparse(node.value) if isinstance(node, ast.Assign) else ""
            if any(
                isinstance(t, ast.Attribute) and t.attr == "state" for t in targets
            ) and "ConsultationState" in values:
                writers.add(str(path.relative_to(ROOT)))

    assert writers == {"casework/services/consultation_steps.py"}
