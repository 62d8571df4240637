"""Nobody gets a case outside their scope, and only dispatchers read phone numbers
(docs/architecture.md#organisation: permissions follow the case's community/grid/unit;
docs/privacy.md: 138****5678)."""

import pytest

from casework.models import Membership, Role
from tests.factories import PHONE, PHONE_MASKED, case_file, case_snapshot, case_url, transition_url


def _references(response):
    assert response.status_code == 200, response.content
    return {case["reference"] for case in response.json()["results"]}


def test_outsider_does_not_see_another_communitys_cases_in_the_list(demo, api):
    c1_case = demo.case_in("collected")
    c2_case = case_file(demo.user("outsider"), grid=demo.grid("C2-G1").pk)

    assert _references(api("outsider").get("/api/v1/cases/")) == {c2_case.reference}
    assert _references(api("dispatcher").get("/api/v1/cases/")) == {c1_case.reference}
    assert _references(api("supervisor").get("/api/v1/cases/")) == {
        c1_case.reference,
        c2_case.reference,
    }


def test_filters_cannot_widen_the_scope(demo, api):
    c1_case = demo.case_in("classified")
    grid, community = demo.grid("C1-G1"), demo.grid("C1-G1").community

    queries = [f"grid={grid.pk}", f"community={community.pk}", f"unit={c1_case.unit_id}", "state=classified"]
    for query in queries:
        assert _references(api("outsider").get(f"/api/v1/cases/?{query}")) == set(), query


@pytest.mark.parametrize("suffix", ["", "events/"])
def test_outsider_gets_404_reading_another_communitys_case(demo, api, suffix):
    case = demo.case_in("collected")

    response = api("outsider").get(case_url(case.reference, suffix))

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("state", "name", "payload"),
    [
        ("collected", "resolve_on_spot", {"result": "现场解决"}),
        ("collected", "reject", {"reason": "无效"}),
        ("evaluating", "rate",
         {"satisfaction": "dissatisfied", "comment": "不满意", "channel": "phone"}),
    ],
)
def test_outsider_gets_404_acting_on_another_communitys_case(demo, api, state, name, payload):
    case = demo.case_in(state)
    before = case_snapshot(case)

    response = api("outsider").post(
        transition_url(case.reference, name), {"version": case.version, **payload}
    )

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert case_snapshot(case) == before


def test_unknown_reference_is_404_like_a_hidden_one(demo, api):
    response = api("dispatcher").get(case_url("SS-202001-000001"))

    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail", "fields"}


def test_grid_worker_sees_only_their_grid(demo, api):
    own = demo.case_in("collected")
    next_grid = case_file(demo.user("dispatcher"), grid=demo.grid("C1-G2").pk)

    assert _references(api("gridworker").get("/api/v1/cases/")) == {own.reference}
    assert api("gridworker").get(case_url(next_grid.reference)).status_code == 404


def test_unit_member_sees_only_cases_assigned_to_their_unit(demo, api):
    assigned = demo.case_in("classified")
    demo.case_in("collected")

    assert _references(api("unitmember").get("/api/v1/cases/")) == {assigned.reference}


@pytest.mark.parametrize(
    "username", ["gridworker", "unitmember", "supervisor", "party_committee", "owners_committee"]
)
def test_phone_is_masked_for_everyone_but_dispatchers(demo, api, username):
    case = demo.case_in("classified")

    listed = api(username).get("/api/v1/cases/").json()["results"]
    detail = api(username).get(case_url(case.reference)).json()

    assert [item["reporter_phone"] for item in listed] == [PHONE_MASKED]
    assert detail["reporter_phone"] == PHONE_MASKED


def test_dispatcher_reads_the_full_phone_number(demo, api):
    case = demo.case_in("classified")

    listed = api("dispatcher").get("/api/v1/cases/").json()["results"]
    detail = api("dispatcher").get(case_url(case.reference)).json()

    assert [item["reporter_phone"] for item in listed] == [PHONE]
    assert detail["reporter_phone"] == PHONE


def test_transition_answer_masks_the_phone_too(demo, api):
    case = demo.case_in("classified")

    response = api("unitmember").post(transition_url(case.reference, "accept"), {"version": 2})

    assert response.json()["reporter_phone"] == PHONE_MASKED


def test_dispatcher_of_another_community_does_not_read_phones_here(demo, api):
    # The outsider dispatches C2 and also works grid C1-G1: C1's phones stay masked for them.
    outsider = demo.user("outsider")
    Membership.objects.create(user=outsider, role=Role.DISPATCHER, community=demo.grid("C2-G1").community)
    Membership.objects.create(user=outsider, role=Role.GRID_WORKER, grid=demo.grid("C1-G1"))
    c1_case = demo.case_in("collected")
    c2_case = case_file(demo.user("outsider"), grid=demo.grid("C2-G1").pk)

    phones = {
        item["reference"]: item["reporter_phone"]
        for item in api("outsider").get("/api/v1/cases/").json()["results"]
    }

    assert phones == {c1_case.reference: PHONE_MASKED, c2_case.reference: PHONE}
