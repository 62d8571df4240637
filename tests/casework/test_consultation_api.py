"""A hard case through the six-party consultation, only through the API (docs/consultation.md,
docs/api.md#consultations): filed, classified as hard, escalated with two plans, six ballots,
decided by the vote, and back in `handling` with the winning plan's unit — the case log telling it
in order."""

import pytest

from tests.factories import case_url, consultation_url, transition_url
from workflows.consultation_states import PARTIES

pytestmark = pytest.mark.django_db


def test_a_hard_case_goes_through_the_consultation_and_back_to_handling(demo, api):
    grid, urban = demo.grid(), demo.unit("dept-urban")

    # The grid worker files it; the dispatcher classifies it as hard and escalates it.
    filed = api("gridworker").post(
        "/api/v1/cases/",
        {"title": "小区中心绿地被占", "description": "部分居民开垦绿地种菜，多次劝阻无效。", "grid": grid.pk, "channel": "hall"},
    )
    assert filed.status_code == 201, filed.content
    reference = filed.json()["reference"]
    assert filed.json()["consultation"] is None
    classified = api("dispatcher").post(
        transition_url(reference, "classify"),
        {"version": 1, **demo.classify_payload(difficulty="hard")},
    )
    assert classified.status_code == 200, classified.content
    escalated = api("dispatcher").post(
        transition_url(reference, "escalate"),
        {
            "version": classified.json()["version"],
            "mode": "hall",
            "place": "社区议事厅",
            "starts_at": "2026-12-03T19:00:00+08:00",
            "options": ["物业恢复绿地并加强巡查", {"text": "城管依法清理", "unit": urban.pk}],
        },
    )
    assert escalated.status_code == 200, escalated.content
    case = escalated.json()
    assert case["state"] == "consultation"
    assert set(case["deadlines"]) == {"consult", "vote"}
    consultation_id = case["consultation"]

    # Anyone who sees the case reads the consultation; the vote is open.
    opened = api("residents_committee").get(consultation_url(consultation_id)).json()
    assert {key: opened[key] for key in ("id", "case", "mode", "state", "place", "voted_parties")} == {
        "id": consultation_id,
        "case": reference,
        "mode": "hall",
        "state": "voting",
        "place": "社区议事厅",
        "voted_parties": [],
    }
    assert [(o["text"], o["unit"]) for o in opened["options"]] == [
        ("物业恢复绿地并加强巡查", None),
        ("城管依法清理", urban.pk),
    ]
    assert opened["closes_at"] and opened["outcome"] is None and opened["decision"] is None
    keep, enforce = (o["id"] for o in opened["options"])

    # Six ballots, each by its party's representative; one changes its mind on the way.
    votes = {
        "party_committee": enforce,
        "residents_committee": enforce,
        "department": enforce,
        "local_unit": keep,
        "owners_committee": keep,
        "property": "abstain",
    }
    sequence = [
        ("owners_committee", enforce, 201),
        ("party_committee", enforce, 201),
        ("residents_committee", enforce, 201),
        ("department", enforce, 201),
        ("local_unit", keep, 201),
        ("owners_committee", keep, 200),  # changed before the close
        ("property", "abstain", 201),  # the sixth party: the vote closes
    ]
    for party, choice, status in sequence:
        response = api(party).post(consultation_url(consultation_id, "ballots/"), {"option": choice})
        assert response.status_code == status, (party, response.content)
    assert response.json()["state"] == "decided"

    # The sixth party's ballot closed the vote: open ballots, the tally, and the decision.
    result = api("supervisor").get(consultation_url(consultation_id)).json()
    assert result["state"] == "decided"
    assert result["voted_parties"] == list(PARTIES)
    assert result["ballots"] == votes
    assert result["tally"]["counts"] == {str(keep): 2, str(enforce): 3}
    assert (result["tally"]["abstain"], result["tally"]["reason"]) == (1, "majority")
    assert result["outcome"] == enforce
    assert result["decision"]["option"] == enforce and result["decision"]["by"] == "vote"

    # The case is back in handling with the winning plan's unit, on a fresh resolve clock.
    case = api("dispatcher").get(case_url(reference)).json()
    assert (case["state"], case["unit"], case["consultation"]) == ("handling", urban.pk, consultation_id)
    assert set(case["deadlines"]) == {"resolve"}

    # The log, in order.
    events = api("supervisor").get(case_url(reference, "events/")).json()
    assert [(e["transition"], e["from_state"], e["to_state"]) for e in events] == [
        ("collect", "", "collected"),
        ("classify", "collected", "classified"),
        ("escalate", "classified", "consultation"),
        *[("ballot", "consultation", "consultation")] * 7,
        ("vote_closed", "consultation", "consultation"),
        ("decide", "consultation", "handling"),
    ]
    assert [e["seq"] for e in events] == list(range(1, 13))
    ballots = [(e["actor"], e["payload"]["party"], e["payload"]["option"]) for e in events[3:10]]
    assert ballots == [(party, party, choice) for party, choice, _status in sequence]
    decide = events[-1]
    assert decide["actor"] is None  # the vote's outcome, as the system
    assert decide["payload"] == {"option": enforce, "plan": "城管依法清理", "unit": urban.pk}
    assert events[2]["payload"]["options"] == [
        {"text": "物业恢复绿地并加强巡查", "unit": None},
        {"text": "城管依法清理", "unit": urban.pk},
    ]


def test_a_supervisor_decides_an_undecided_consultation_through_the_case(demo, api):
    case = demo.case_in("consultation_undecided")
    consultation = api("supervisor").get(consultation_url(case.consultations.get().pk)).json()
    keep = consultation["options"][0]["id"]

    response = api("supervisor").post(
        transition_url(case.reference, "decide"), {"version": case.version, "option": keep}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["unit"]) == ("handling", demo.unit().pk)  # the plan names no unit
    after = api("supervisor").get(consultation_url(consultation["id"])).json()
    assert after["state"] == "undecided" and after["outcome"] is None
    assert after["decision"]["option"] == keep and after["decision"]["by"] == "supervisor"
    again = api("supervisor").post(
        transition_url(case.reference, "decide"), {"version": body["version"], "option": keep}
    )
    assert again.status_code == 409


def test_the_consultation_is_in_the_openapi_schema(api):
    schema = api("dispatcher").get("/api/schema/?format=json").json()
    assert "/api/v1/consultations/{id}/" in schema["paths"]
    assert "/api/v1/consultations/{id}/ballots/" in schema["paths"]
