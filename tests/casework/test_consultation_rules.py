"""docs/consultation.md, one rule per test, through the API: who votes, what counts, when the vote
closes and what it decides."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from casework.models import Ballot, CaseEvent, Membership, Notification, Role
from tests.factories import (
    case_move,
    consultation_of,
    consultation_url,
    vote_close_now,
)
from workflows.consultation_states import PARTIES

pytestmark = pytest.mark.django_db

PC, RC, DEPT, LOCAL, PROP, OWNERS = PARTIES


@pytest.fixture
def voting(demo):
    """A hard case in a consultation whose vote is open, with options A and B (B names the
    urban management unit)."""
    case = demo.case_in("consultation")
    consultation = consultation_of(case)
    a, b = consultation.options.order_by("position")
    return case, consultation, a.pk, b.pk


def ballot(api, username, consultation, choice, **extra):
    return api(username).post(consultation_url(consultation.pk, "ballots/"), {"option": choice, **extra})


def cast(api, consultation, choices: dict):
    for party, choice in choices.items():
        response = ballot(api, party, consultation, choice)
        assert response.status_code == 201, (party, response.content)


def closed(consultation, case):
    """Close the vote at its deadline (if still open); return both, fresh."""
    case.refresh_from_db()
    consultation.refresh_from_db()
    if consultation.state == "voting":
        case = vote_close_now(case)
        consultation.refresh_from_db()
    return consultation, case


# ---------------------------------------------------------------- the quorum


def test_quorum_met_four_of_six_decides(demo, api, voting):
    case, consultation, a, b = voting
    cast(api, consultation, {PC: a, RC: a, DEPT: a, LOCAL: b})

    consultation, case = closed(consultation, case)

    assert (consultation.state, consultation.outcome_id) == ("decided", a)
    assert consultation.tally["quorum_met"] is True and consultation.tally["voted"] == 4
    assert case.state == "handling"


def test_quorum_not_met_three_of_six_goes_to_the_supervisor(demo, api, voting):
    case, consultation, a, _b = voting
    cast(api, consultation, {PC: a, RC: a, DEPT: a})

    consultation, case = closed(consultation, case)

    assert (consultation.state, consultation.outcome_id) == ("undecided", None)
    assert consultation.tally["reason"] == "no_quorum"
    assert case.state == "consultation"  # waiting for the supervisor
    note = Notification.objects.get(user=demo.user("supervisor"), kind="decide_needed")
    assert case.reference in note.message


def test_quorum_follows_the_setting(demo, api, settings):
    settings.CONSULTATION_QUORUM = 2
    case = case_move(demo.case_in("classified"), (demo.user("dispatcher"), "escalate", demo.escalate_payload()))
    consultation = consultation_of(case)
    a = consultation.options.first().pk
    cast(api, consultation, {PC: a, RC: a})

    consultation, case = closed(consultation, case)

    assert consultation.quorum == 2 and consultation.state == "decided"


# ---------------------------------------------------------------- majority and ties


def test_clear_majority_wins_and_decides_the_case(demo, api, voting):
    case, consultation, a, b = voting
    cast(api, consultation, {PC: b, RC: a, DEPT: a, LOCAL: a, PROP: a, OWNERS: b})

    consultation, case = closed(consultation, case)

    assert consultation.tally["counts"] == {str(a): 4, str(b): 2}
    assert (consultation.state, consultation.outcome_id, consultation.tally["reason"]) == (
        "decided",
        a,
        "majority",
    )
    assert (case.state, case.unit) == ("handling", demo.unit("property-1"))  # A names no unit


def test_tie_is_broken_by_the_party_committee(demo, api, voting):
    case, consultation, a, b = voting
    cast(api, consultation, {PC: b, RC: a, DEPT: a, LOCAL: b})

    consultation, case = closed(consultation, case)

    assert (consultation.outcome_id, consultation.tally["reason"]) == (b, "tie_broken")
    # B's plan names the urban management unit: the case goes on with it.
    assert (case.state, case.unit) == ("handling", demo.unit("dept-urban"))


def test_tie_not_involving_the_party_committee_goes_to_the_supervisor(demo, api):
    options = ["物业清运", "城管执法", "居委协调"]
    case = case_move(
        demo.case_in("classified"),
        (demo.user("dispatcher"), "escalate", demo.escalate_payload(options=options)),
    )
    consultation = consultation_of(case)
    a, b, c = consultation.options.order_by("position").values_list("pk", flat=True)
    cast(api, consultation, {PC: c, RC: a, DEPT: a, LOCAL: b, PROP: b})

    consultation, case = closed(consultation, case)

    assert (consultation.state, consultation.outcome_id) == ("undecided", None)
    assert consultation.tally["reason"] == "no_majority"
    assert case.state == "consultation"


def test_all_abstain_goes_to_the_supervisor(demo, api, voting):
    _case, consultation, _a, _b = voting
    cast(api, consultation, {party: "abstain" for party in PARTIES})

    consultation.refresh_from_db()  # the sixth ballot closed it

    assert (consultation.state, consultation.tally["reason"]) == ("undecided", "all_abstained")
    assert consultation.tally["abstain"] == 6


# ---------------------------------------------------------------- casting and changing


def test_a_ballot_changed_before_close_counts_once(demo, api, voting):
    case, consultation, a, b = voting
    assert ballot(api, PC, consultation, a).status_code == 201
    changed = ballot(api, PC, consultation, b)
    assert changed.status_code == 200, changed.content
    cast(api, consultation, {RC: a, DEPT: b, LOCAL: b})

    consultation, case = closed(consultation, case)

    assert Ballot.objects.filter(consultation=consultation, party=PC).count() == 1
    assert consultation.tally["counts"] == {str(a): 1, str(b): 3}
    events = CaseEvent.objects.filter(case=case, transition="ballot", payload__party=PC)
    assert [(e.payload["option"], e.payload["changed"]) for e in events.order_by("seq")] == [
        (a, False),
        (b, True),
    ]


def test_every_cast_and_change_is_an_event_by_its_representative(demo, api, voting):
    case, consultation, a, b = voting
    version = case.version
    ballot(api, PC, consultation, a)
    ballot(api, PC, consultation, "abstain")
    ballot(api, RC, consultation, b)

    case.refresh_from_db()
    events = case.events.filter(transition="ballot").order_by("seq")
    assert [(e.actor.username, e.payload["party"], e.payload["option"]) for e in events] == [
        ("party_committee", PC, a),
        ("party_committee", PC, "abstain"),
        ("residents_committee", RC, b),
    ]
    assert {(e.from_state, e.to_state) for e in events} == {("consultation", "consultation")}
    assert case.version == version + 3  # each ballot moves the case's version on


def test_casting_the_same_choice_again_changes_nothing(demo, api, voting):
    case, consultation, a, _b = voting
    ballot(api, PC, consultation, a)
    events = case.events.count()

    again = ballot(api, PC, consultation, a)

    assert again.status_code == 200
    assert case.events.count() == events


def test_a_second_representative_of_the_party_changes_the_same_ballot(demo, api, voting):
    case, consultation, a, b = voting
    deputy = demo.user("dispatcher")  # also seated for the Party committee now
    Membership.objects.create(user=deputy, role=Role.PARTY_REPRESENTATIVE, community=case.community, party=PC)
    ballot(api, PC, consultation, a)

    response = ballot(api, "dispatcher", consultation, b)

    assert response.status_code == 200, response.content
    only = Ballot.objects.get(consultation=consultation, party=PC)
    assert (only.option_id, only.cast_by) == (b, deputy)


# ---------------------------------------------------------------- after the close


def test_a_ballot_after_close_is_409_and_changes_nothing(demo, api, voting):
    case, consultation, a, b = voting
    cast(api, consultation, {PC: a, RC: a, DEPT: a, LOCAL: a})
    consultation, case = closed(consultation, case)
    events = case.events.count()

    late = ballot(api, PROP, consultation, b)
    change = ballot(api, PC, consultation, b)

    for response in (late, change):
        assert response.status_code == 409, response.content
        assert response.json()["error"] == "vote_closed"
    assert case.events.count() == events
    assert not Ballot.objects.filter(party=PROP).exists()
    assert Ballot.objects.get(party=PC).option_id == a


def test_a_ballot_after_the_deadline_is_409_even_before_the_sweep_closes_it(demo, api, voting):
    _case, consultation, a, _b = voting
    with time_machine.travel(consultation.closes_at + timedelta(seconds=1), tick=False):
        response = ballot(api, PC, consultation, a)

    assert response.status_code == 409
    assert response.json()["error"] == "vote_closed"
    assert not Ballot.objects.exists()


def test_a_ballot_before_the_options_are_written_is_409(demo, api):
    case = case_move(
        demo.case_in("handling"), (demo.user("supervisor"), "escalate", {"mode": "online", "options": ["甲"]})
    )
    consultation = consultation_of(case)
    consultation.state = "drafting"  # as if the SLA engine had opened it without options
    consultation.save(update_fields=["state"])

    response = ballot(api, PC, consultation, consultation.options.first().pk)

    assert response.status_code == 409
    assert response.json()["error"] == "vote_not_open"


# ---------------------------------------------------------------- who may vote


def test_a_member_of_another_party_cannot_vote_for_it(demo, api, voting):
    _case, consultation, a, _b = voting

    response = ballot(api, PROP, consultation, a, party=PC)

    assert response.status_code == 403, response.content
    assert response.json()["error"] == "forbidden"
    assert not Ballot.objects.exists()


def test_a_member_of_another_community_cannot_vote(demo, api, voting):
    _case, consultation, a, _b = voting
    Membership.objects.create(
        user=demo.user("outsider"),
        role=Role.PARTY_REPRESENTATIVE,
        community=demo.grid("C2-G1").community,
        party=PC,
    )

    response = ballot(api, "outsider", consultation, a)

    # Another community's consultation is not theirs to see: 404, as a GET answers.
    assert response.status_code == 404, response.content
    assert api("outsider").get(consultation_url(consultation.pk)).status_code == 404
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("username", ["gridworker", "dispatcher", "unitmember", "supervisor"])
def test_people_who_represent_no_party_cannot_vote(demo, api, voting, username):
    _case, consultation, a, _b = voting

    response = ballot(api, username, consultation, a)

    assert response.status_code == 403
    assert not Ballot.objects.exists()


def test_someone_seated_for_two_parties_must_say_which_votes(demo, api, voting):
    case, consultation, a, _b = voting
    Membership.objects.create(
        user=demo.user("party_committee"), role=Role.PARTY_REPRESENTATIVE, community=case.community, party=RC
    )

    unclear = ballot(api, PC, consultation, a)
    clear = ballot(api, PC, consultation, a, party=RC)

    assert unclear.status_code == 400 and "party" in unclear.json()["fields"]
    assert clear.status_code == 201
    assert list(Ballot.objects.values_list("party", flat=True)) == [RC]


@pytest.mark.parametrize("choice", ["", "none", "999999", -1, None])
def test_a_ballot_for_no_option_of_this_consultation_is_400(demo, api, voting, choice):
    _case, consultation, _a, _b = voting

    response = ballot(api, PC, consultation, choice)

    assert response.status_code == 400, response.content
    assert "option" in response.json()["fields"]
    assert not Ballot.objects.exists()


def test_a_ballot_for_another_consultations_option_is_400(demo, api, voting):
    _case, consultation, _a, _b = voting
    other = consultation_of(demo.case_in("consultation"))

    response = ballot(api, PC, consultation, other.options.first().pk)

    assert response.status_code == 400
    assert not Ballot.objects.exists()


def test_the_database_holds_one_ballot_per_party(demo, voting):
    case, consultation, a, b = voting
    Ballot.objects.create(
        consultation=consultation, party=PC, option_id=a, cast_by=demo.user(PC), cast_at=case.created_at
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            consultation=consultation, party=PC, option_id=b, cast_by=demo.user("dispatcher"), cast_at=case.created_at
        )


# ---------------------------------------------------------------- open ballots after close


def test_ballots_and_tally_are_open_to_members_and_supervisors_only_after_close(demo, api, voting):
    case, consultation, a, b = voting
    cast(api, consultation, {PC: a, RC: b})
    url = consultation_url(consultation.pk)

    during = api(PC).get(url).json()
    assert "ballots" not in during and "tally" not in during
    assert during["voted_parties"] == [PC, RC]

    vote_close_now(case)

    for username in (PC, OWNERS, "supervisor", "dispatcher"):
        after = api(username).get(url).json()
        assert after["ballots"] == {PC: a, RC: b}, username
        assert after["tally"]["voted"] == 2
    for username in ("gridworker", "unitmember"):  # they see the case, not how parties voted
        after = api(username).get(url).json()
        assert "ballots" not in after and "tally" not in after, username
        assert after["state"] == "undecided" and after["voted_parties"] == [PC, RC]


def test_the_case_log_hides_how_parties_voted_until_the_results_are_open(demo, api, voting):
    case, consultation, a, _b = voting
    cast(api, consultation, {PC: a})
    events_url = f"/api/v1/cases/{case.reference}/events/"

    def ballot_payloads(username):
        events = api(username).get(events_url).json()
        return [e["payload"] for e in events if e["transition"] == "ballot"]

    assert ballot_payloads(PC) == [{"consultation": consultation.pk, "party": PC, "changed": False}]
    vote_close_now(case)
    assert ballot_payloads(RC)[0]["option"] == a
    assert "option" not in ballot_payloads("gridworker")[0]
    closing = [e for e in api("gridworker").get(events_url).json() if e["transition"] == "vote_closed"]
    assert "ballots" not in closing[0]["payload"] and "tally" not in closing[0]["payload"]


def test_representatives_cannot_read_a_consultation_outside_their_community(demo, api, voting):
    _case, consultation, _a, _b = voting

    assert api("outsider").get(consultation_url(consultation.pk)).status_code == 404
    assert api(PC).get(consultation_url(999999)).status_code == 404
    assert api(PC).get("/api/v1/consultations/abc/").status_code == 404
