"""Refused transitions change nothing (docs/architecture.md#case-log): 409 for the wrong state or a
stale version, 403 for the wrong person, 404/400 for a bad request — and in every case the
state, version, row and event log stay exactly as they were."""

import pytest

from casework.models import Membership, Role
from tests.factories import Demo, case_file, case_snapshot, consultation_of, runner_of, transition_url
from workflows.transitions import TRANSITIONS

STATES = list(Demo.STATES)

# Where each transition may start (evaluating_rated is evaluating with a rating).
ALLOWED_FROM = {
    "classify": {"collected"},
    "summon": {"collected", "classified"},
    "resolve_on_spot": {"collected"},
    "accept": {"classified"},
    "return": {"classified"},
    "resolve": {"handling", "handling_suspended"},
    "suspend": {"handling"},
    "resume": {"handling_suspended"},
    "rate": {"evaluating"},
    "close": {"evaluating_rated"},
    "reopen": {"evaluating", "evaluating_rated"},
    "reject": {"collected", "classified"},
    "escalate": {"classified", "handling", "handling_suspended"},
    "decide": {"consultation_undecided"},
}



def _payload(demo, name):
    return {
        "classify": demo.classify_payload(),
        "summon": demo.summon_payload(),
        "resolve_on_spot": {"result": "现场解决"},
        "accept": {},
        "return": {"reason": "不归我们管"},
        "resolve": {"result": "已处理", "outcome": "fixed"},
        "suspend": {"reason": "等待第三方"},
        "resume": {},
        # Staff rate only as a callback (回访): what the resident said, and how reached.
        "rate": {"satisfaction": "satisfied", "comment": "满意", "channel": "phone"},
        "close": {},
        "reopen": {"reason": "重新办理"},
        "reject": {"reason": "不予受理"},
        "escalate": demo.escalate_payload(),
        "decide": {"option": 1},  # refused before the option is looked at
    }[name]


def _post(api, username, case, name, payload, version=None):
    version = case.version if version is None else version
    return api(username).post(transition_url(case.reference, name), {**payload, "version": version})


def _assert_error(response, status, error):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == error
    assert body["detail"]
    return body


def test_the_tables_here_cover_every_transition():
    assert set(ALLOWED_FROM) == set(TRANSITIONS)


WRONG_STATE = [
    (name, state) for name in ALLOWED_FROM for state in STATES if state not in ALLOWED_FROM[name]
]


@pytest.mark.parametrize(("name", "state"), WRONG_STATE, ids=[f"{n}-from-{s}" for n, s in WRONG_STATE])
def test_transition_from_the_wrong_state_is_409_and_changes_nothing(demo, api, name, state):
    case = demo.case_in(state)
    before = case_snapshot(case)

    # Who would run it; the wrong-state refusal must come whoever asks.
    runner = runner_of(name)
    if runner == "unitmember" and case.unit_id is None:
        runner = "dispatcher"  # a unit sees only cases assigned to it; the dispatcher sees all
    response = _post(api, runner, case, name, _payload(demo, name))

    # Right state, failing condition: close without a rating, suspend twice, resume unpaused,
    # decide while the parties are still voting, rate a round already rated.
    conditions = {
        ("close", "evaluating"): "condition_failed",
        ("suspend", "handling_suspended"): "condition_failed",
        ("resume", "handling"): "condition_failed",
        ("decide", "consultation"): "condition_failed",
        ("rate", "evaluating_rated"): "already_rated",
    }
    expected = conditions.get((name, state), "invalid_state")
    _assert_error(response, 409, expected)
    assert case_snapshot(case) == before


# (transition, state it runs from, user who may not run it, expected status).
# 404 where the user cannot even see the case: nobody learns what is outside their scope.
WRONG_ROLE = [
    ("classify", "collected", "gridworker", 403),
    ("classify", "collected", "supervisor", 403),
    ("classify", "collected", "party_committee", 403),
    ("classify", "collected", "unitmember", 404),
    ("classify", "collected", "outsider", 404),
    ("summon", "collected", "gridworker", 403),
    ("summon", "classified", "unitmember", 403),
    ("summon", "collected", "party_committee", 403),
    ("summon", "collected", "outsider", 404),
    ("resolve_on_spot", "collected", "supervisor", 403),
    ("resolve_on_spot", "collected", "residents_committee", 403),
    ("accept", "classified", "dispatcher", 403),
    ("accept", "classified", "gridworker", 403),
    ("accept", "classified", "supervisor", 403),
    ("accept", "classified", "property", 403),  # the property party's rep is not the unit
    ("return", "classified", "dispatcher", 403),
    ("return", "classified", "gridworker", 403),
    ("resolve", "handling", "dispatcher", 403),
    ("resolve", "handling", "gridworker", 403),
    ("resolve", "handling", "supervisor", 403),
    ("rate", "evaluating", "unitmember", 403),
    ("rate", "evaluating", "residents_committee", 403),
    ("rate", "evaluating", "supervisor", 403),
    ("close", "evaluating_rated", "gridworker", 403),
    ("close", "evaluating_rated", "unitmember", 403),
    ("close", "evaluating_rated", "supervisor", 403),
    ("reopen", "evaluating", "dispatcher", 403),
    ("reopen", "evaluating", "gridworker", 403),
    ("reopen", "evaluating", "unitmember", 403),
    ("reject", "collected", "gridworker", 403),
    ("reject", "collected", "supervisor", 403),
    ("reject", "classified", "unitmember", 403),
    ("accept", "classified", "outsider", 404),
    ("suspend", "handling", "dispatcher", 403),
    ("suspend", "handling", "gridworker", 403),
    ("resume", "handling_suspended", "dispatcher", 403),
    ("resume", "handling_suspended", "supervisor", 403),
    ("escalate", "classified", "gridworker", 403),
    ("escalate", "classified", "unitmember", 403),
    ("escalate", "handling", "unitmember", 403),
    ("escalate", "handling", "party_committee", 403),
    ("escalate", "classified", "outsider", 404),
    ("decide", "consultation_undecided", "dispatcher", 403),
    ("decide", "consultation_undecided", "party_committee", 403),
    ("decide", "consultation_undecided", "unitmember", 403),
    ("decide", "consultation_undecided", "gridworker", 403),
    ("decide", "consultation_undecided", "outsider", 404),
]


@pytest.mark.parametrize(
    ("name", "state", "username", "status"),
    WRONG_ROLE,
    ids=[f"{user}-cannot-{name}" for name, _state, user, _status in WRONG_ROLE],
)
def test_transition_by_the_wrong_person_is_refused_and_changes_nothing(
    demo, api, name, state, username, status
):
    case = demo.case_in(state)
    before = case_snapshot(case)

    response = _post(api, username, case, name, _payload(demo, name))

    _assert_error(response, status, "forbidden" if status == 403 else "not_found")
    assert case_snapshot(case) == before


def test_unit_member_cannot_classify(demo, api):
    case = demo.case_in("collected")
    before = case_snapshot(case)

    response = _post(api, "unitmember", case, "classify", demo.classify_payload())

    assert response.status_code == 404  # a collected case has no unit: not theirs to see
    assert case_snapshot(case) == before


def test_member_of_another_unit_cannot_accept(demo, api):
    case = demo.case_in("classified")  # assigned to property-1
    Membership.objects.create(
        user=demo.user("outsider"), role=Role.UNIT_MEMBER, unit=demo.unit("dept-urban")
    )
    before = case_snapshot(case)

    response = _post(api, "outsider", case, "accept", {})

    assert response.status_code == 404
    assert case_snapshot(case) == before


def test_stale_version_is_409_and_changes_nothing(demo, api):
    case = demo.case_in("classified")  # version 2
    before = case_snapshot(case)

    response = _post(api, "unitmember", case, "accept", {}, version=1)

    body = _assert_error(response, 409, "stale_version")
    assert "2" in body["detail"]
    assert case_snapshot(case) == before


def test_future_version_is_409_too(demo, api):
    case = demo.case_in("classified")
    before = case_snapshot(case)

    response = _post(api, "unitmember", case, "accept", {}, version=case.version + 1)

    _assert_error(response, 409, "stale_version")
    assert case_snapshot(case) == before


def test_second_identical_transition_gets_409_after_the_first_wins(demo, api):
    case = demo.case_in("classified")
    first = _post(api, "unitmember", case, "accept", {})
    assert first.status_code == 200
    after_first = case_snapshot(case)

    second = _post(api, "unitmember", case, "accept", {})  # the same, now-stale version

    _assert_error(second, 409, "stale_version")
    assert case_snapshot(case) == after_first


@pytest.mark.parametrize(
    "name", ["teleport", "return_to_dispatcher", "Accept", "accept-now", "%E6%8A%A5%E5%88%B0"]
)
def test_unknown_transition_name_is_404_and_changes_nothing(demo, api, name):
    case = demo.case_in("collected")
    before = case_snapshot(case)

    response = _post(api, "dispatcher", case, name, {})

    _assert_error(response, 404, "not_found")
    assert case_snapshot(case) == before


def test_missing_version_is_400_naming_the_field(demo, api):
    case = demo.case_in("classified")
    before = case_snapshot(case)

    response = api("unitmember").post(transition_url(case.reference, "accept"), {})

    body = _assert_error(response, 400, "invalid")
    assert "version" in body["fields"]
    assert case_snapshot(case) == before


@pytest.mark.parametrize("version", ["two", True, [2], {"v": 2}, 2.5])
def test_version_that_is_not_a_whole_number_is_400(demo, api, version):
    case = demo.case_in("classified")
    before = case_snapshot(case)

    response = _post(api, "unitmember", case, "accept", {}, version=version)

    body = _assert_error(response, 400, "invalid")
    assert "version" in body["fields"]
    assert case_snapshot(case) == before


def test_body_that_is_not_an_object_is_400(demo, api):
    case = demo.case_in("classified")
    before = case_snapshot(case)

    response = api("unitmember").post(transition_url(case.reference, "accept"), [case.version])

    _assert_error(response, 400, "invalid")
    assert case_snapshot(case) == before


def test_form_encoded_version_is_understood(demo, api):
    case = demo.case_in("classified")

    response = api("unitmember").post(
        transition_url(case.reference, "accept"), {"version": str(case.version)}, format="multipart"
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "handling"


@pytest.mark.parametrize(
    ("name", "state", "username", "payload", "field"),
    [
        ("classify", "collected", "dispatcher", {"unit": 999999}, "unit"),
        ("classify", "collected", "dispatcher", {"unit": "property-1"}, "unit"),
        ("classify", "collected", "dispatcher", {"category": 999999}, "category"),
        ("classify", "collected", "dispatcher", {"urgency": "tomorrow"}, "urgency"),
        ("classify", "collected", "dispatcher", {"difficulty": "medium"}, "difficulty"),
        ("resolve", "handling", "unitmember", {"outcome": "solved"}, "outcome"),
        ("resolve", "handling", "unitmember", {"result": ""}, "result"),
        ("rate", "evaluating", "gridworker", {"satisfaction": "thrilled"}, "satisfaction"),
        ("rate", "evaluating", "gridworker", {"comment": ""}, "comment"),
        ("rate", "evaluating", "gridworker", {"channel": ""}, "channel"),
        ("rate", "evaluating", "dispatcher", {"channel": "fax"}, "channel"),
        ("rate", "evaluating", "gridworker", {"called_at": "yesterday"}, "called_at"),
        # The pinned clock says 2026-12-03 10:00 (Beijing), when the case was also resolved.
        ("rate", "evaluating", "gridworker", {"called_at": "2026-12-03T11:00:00+08:00"}, "called_at"),
        ("rate", "evaluating", "dispatcher", {"called_at": "2026-12-03T09:59:00+08:00"}, "called_at"),
        ("return", "classified", "unitmember", {"reason": ""}, "reason"),
        ("reject", "collected", "dispatcher", {"duplicate_of": "SS-209901-000001"}, "duplicate_of"),
        ("escalate", "classified", "dispatcher", {"mode": "by_phone"}, "mode"),
        ("escalate", "classified", "dispatcher", {"options": []}, "options"),
        ("escalate", "handling", "dispatcher", {"options": ["   "]}, "options"),
        ("escalate", "classified", "dispatcher", {"options": [{"unit": 1}]}, "options"),
        ("escalate", "classified", "dispatcher", {"mode": "hall", "starts_at": "2026-12-01T09:00+08:00"}, "place"),
        ("escalate", "classified", "dispatcher", {"mode": "on_site", "place": "7号楼"}, "starts_at"),
        ("decide", "consultation_undecided", "supervisor", {"option": 999999}, "option"),
        ("decide", "consultation_undecided", "supervisor", {"option": "first"}, "option"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_transition_payload_is_400_naming_the_field(demo, api, name, state, username, payload, field):
    case = demo.case_in(state)
    before = case_snapshot(case)

    response = _post(api, username, case, name, {**_payload(demo, name), **payload})

    body = _assert_error(response, 400, "invalid")
    assert field in body["fields"], body
    assert case_snapshot(case) == before


def test_classify_to_a_unit_that_does_not_serve_the_community_is_400(demo, api):
    case = demo.case_in("collected")  # community C1
    before = case_snapshot(case)

    response = _post(api, "dispatcher", case, "classify", demo.classify_payload("property-2"))

    body = _assert_error(response, 400, "invalid")
    assert body["fields"]["unit"] == ["该单位不服务于此事项所在社区。"]
    assert case_snapshot(case) == before


def test_case_cannot_be_rejected_as_a_duplicate_of_itself(demo, api):
    case = demo.case_in("collected")
    before = case_snapshot(case)

    response = _post(api, "dispatcher", case, "reject", {"reason": "重复", "duplicate_of": case.reference})

    body = _assert_error(response, 400, "invalid")
    assert "duplicate_of" in body["fields"]
    assert case_snapshot(case) == before


def test_duplicate_of_a_case_in_another_community_is_400(demo, api):
    elsewhere = case_file(demo.user("outsider"), grid=demo.grid("C2-G1").pk)
    case = demo.case_in("collected")
    before = case_snapshot(case)

    response = _post(
        api, "dispatcher", case, "reject", {"reason": "重复", "duplicate_of": elsewhere.reference}
    )

    body = _assert_error(response, 400, "invalid")
    assert "duplicate_of" in body["fields"]
    assert case_snapshot(case) == before


def test_escalate_with_a_plan_for_a_unit_that_does_not_serve_the_community_is_400(demo, api):
    case = demo.case_in("classified")  # community C1
    before = case_snapshot(case)
    options = [{"text": "幸福物业接手", "unit": demo.unit("property-2").pk}]

    response = _post(api, "dispatcher", case, "escalate", demo.escalate_payload(options=options))

    body = _assert_error(response, 400, "invalid")
    assert "unit" in str(body["fields"]["options"])
    assert case_snapshot(case) == before


def test_decide_with_an_option_of_another_consultation_is_400(demo, api):
    other = demo.case_in("consultation_undecided")
    case = demo.case_in("consultation_undecided")
    before = case_snapshot(case)
    foreign = consultation_of(other).options.first()

    response = _post(api, "supervisor", case, "decide", {"option": foreign.pk})

    body = _assert_error(response, 400, "invalid")
    assert "option" in body["fields"]
    assert case_snapshot(case) == before
