"""A case's life through the REST API, as the seeded users live it (docs/states.md,
docs/api.md#transitions)."""

import re

from casework.models import Case
from tests.factories import PHONE, case_url, transition_url

REFERENCE = re.compile(r"^SS-\d{6}-\d{6}$")


def _file(api, grid, **fields):
    response = api("gridworker").post(
        "/api/v1/cases/",
        {
            "title": "北门路灯不亮",
            "description": "北门到5号楼之间三盏路灯一周不亮。",
            "grid": grid.pk,
            "channel": "hall",
            "reporter_phone": PHONE,
            **fields,
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _run(api, username, reference, name, version, **payload):
    response = api(username).post(transition_url(reference, name), {"version": version, **payload})
    assert response.status_code == 200, response.json()
    return response.json()


def _event_rows(reference):
    case = Case.objects.get(reference=reference)
    return [
        (e.seq, e.transition, e.from_state, e.to_state, e.actor.username if e.actor else None, e.payload)
        for e in case.events.select_related("actor").order_by("seq")
    ]


def test_case_goes_from_filing_to_closed_through_the_api(demo, api):
    grid, unit, category = demo.grid(), demo.unit("property-1"), demo.category("mun-lighting")
    filed = _file(api, grid)
    reference = filed["reference"]
    assert REFERENCE.match(reference)
    assert (filed["state"], filed["version"], filed["channel"]) == ("collected", 1, "hall")

    classify = {"category": category.pk, "urgency": "urgent", "difficulty": "small", "unit": unit.pk}
    resolve = {"result": "已更换灯泡。", "outcome": "fixed"}
    # The resident did not rate through a follow link: the grid worker calls back (回访).
    rate = {"satisfaction": "satisfied", "comment": "很快", "channel": "phone"}
    story = [
        ("dispatcher", "classify", classify, "classified"),
        ("unitmember", "accept", {}, "handling"),
        ("unitmember", "resolve", resolve, "evaluating"),
        ("gridworker", "rate", rate, "evaluating"),
        ("dispatcher", "close", {}, "closed"),
    ]
    for version, (username, name, payload, state) in enumerate(story, start=1):
        body = _run(api, username, reference, name, version, **payload)
        assert (body["reference"], body["state"], body["version"]) == (reference, state, version + 1)

    case = Case.objects.get(reference=reference)
    assert case.state == "closed"
    assert case.version == 6
    assert (case.unit_id, case.category_id, case.urgency, case.difficulty) == (
        unit.pk,
        category.pk,
        "urgent",
        "small",
    )
    assert (case.resolution, case.outcome) == ("已更换灯泡。", "fixed")
    assert (case.satisfaction, case.rating_comment, case.rating_source) == (
        "satisfied", "很快", "callback",
    )  # fmt: skip
    rated_at = case.events.get(seq=5).at.isoformat()  # called "now": at the event's time
    assert _event_rows(reference) == [
        (1, "collect", "", "collected", "gridworker",
         {"channel": "hall", "grid": grid.pk, "category": None, "urgency": "normal",
          "public_consent": False}),
        (2, "classify", "collected", "classified", "dispatcher", classify),
        (3, "accept", "classified", "handling", "unitmember", {}),
        (4, "resolve", "handling", "evaluating", "unitmember", resolve),
        (5, "rate", "evaluating", "evaluating", "gridworker",
         {**rate, "source": "callback", "called_at": rated_at}),
        (6, "close", "evaluating", "closed", "dispatcher", {}),
    ]  # fmt: skip

    events = api("dispatcher").get(case_url(reference, "events/"))
    assert events.status_code == 200
    listed = [(e["seq"], e["transition"], e["from_state"], e["to_state"], e["actor"]) for e in events.json()]
    assert listed == [
        (seq, name, from_state, to_state, actor)
        for seq, name, from_state, to_state, actor, _payload in _event_rows(reference)
    ]
    assert events.json()[1]["payload"] == classify


def test_returned_case_goes_back_to_the_dispatcher_and_can_be_reclassified(demo, api):
    reference = _file(api, demo.grid())["reference"]
    _run(api, "dispatcher", reference, "classify", 1, **demo.classify_payload("property-1"))

    returned = _run(api, "unitmember", reference, "return", 2, reason="不属于物业职责，建议转城管。")
    assert (returned["state"], returned["version"], returned["unit"]) == ("collected", 3, None)

    reclassified = _run(
        api, "dispatcher", reference, "classify", 3, **demo.classify_payload("dept-urban")
    )
    assert (reclassified["state"], reclassified["version"]) == ("classified", 4)
    assert reclassified["unit"] == demo.unit("dept-urban").pk

    rows = _event_rows(reference)
    assert [row[1:5] for row in rows] == [
        ("collect", "", "collected", "gridworker"),
        ("classify", "collected", "classified", "dispatcher"),
        ("return", "classified", "collected", "unitmember"),
        ("classify", "collected", "classified", "dispatcher"),
    ]
    assert rows[2][5] == {"reason": "不属于物业职责，建议转城管。"}
    assert rows[3][5]["unit"] == demo.unit("dept-urban").pk


def test_grid_worker_settles_a_small_matter_on_the_spot(demo, api):
    reference = _file(api, demo.grid())["reference"]

    body = _run(api, "gridworker", reference, "resolve_on_spot", 1, result="现场协调，车主已挪车。")
    assert (body["state"], body["version"], body["outcome"], body["unit"]) == (
        "evaluating",
        2,
        "fixed",
        None,
    )
    assert body["resolution"] == "现场协调，车主已挪车。"
    assert _event_rows(reference)[-1] == (
        2, "resolve_on_spot", "collected", "evaluating", "gridworker",
        {"result": "现场协调，车主已挪车。"},
    )  # fmt: skip

    _run(api, "gridworker", reference, "rate", 2, satisfaction="basically_satisfied",
         comment="车已挪走，还行", channel="visit")
    closed = _run(api, "dispatcher", reference, "close", 3)
    assert (closed["state"], closed["version"], closed["satisfaction"]) == (
        "closed",
        4,
        "basically_satisfied",
    )


def test_duplicate_is_rejected_pointing_at_the_original(demo, api):
    original = _file(api, demo.grid())["reference"]
    duplicate = _file(api, demo.grid(), title="北门路灯坏了")["reference"]

    body = _run(
        api, "dispatcher", duplicate, "reject", 1, reason="重复反映", duplicate_of=original
    )
    assert (body["state"], body["version"]) == ("rejected", 2)
    assert (body["reject_reason"], body["duplicate_of"]) == ("重复反映", original)

    assert _event_rows(duplicate)[-1] == (
        2, "reject", "collected", "rejected", "dispatcher",
        {"reason": "重复反映", "duplicate_of": original},
    )  # fmt: skip
    events = api("dispatcher").get(case_url(duplicate, "events/")).json()
    assert events[-1]["payload"]["duplicate_of"] == original
    assert Case.objects.get(reference=original).state == "collected"  # the original is untouched


def test_dispatcher_rejects_an_assigned_case_without_a_duplicate(demo, api):
    reference = _file(api, demo.grid())["reference"]
    _run(api, "dispatcher", reference, "classify", 1, **demo.classify_payload())

    body = _run(api, "dispatcher", reference, "reject", 2, reason="居民撤回诉求")
    assert (body["state"], body["duplicate_of"], body["reject_reason"]) == (
        "rejected",
        None,
        "居民撤回诉求",
    )
    assert _event_rows(reference)[-1][1:] == (
        "reject", "classified", "rejected", "dispatcher", {"reason": "居民撤回诉求", "duplicate_of": None}
    )  # fmt: skip


def test_supervisor_reopens_a_dissatisfied_case_for_more_handling(demo, api):
    reference = _file(api, demo.grid())["reference"]
    _run(api, "dispatcher", reference, "classify", 1, **demo.classify_payload())
    _run(api, "unitmember", reference, "accept", 2)
    _run(api, "unitmember", reference, "resolve", 3, result="已解释", outcome="explained")
    _run(api, "gridworker", reference, "rate", 4, satisfaction="dissatisfied", comment="没解决",
         channel="phone")

    body = _run(api, "supervisor", reference, "reopen", 5, reason="居民不满意，重新办理。")
    assert (body["state"], body["version"], body["satisfaction"], body["rating_comment"]) == (
        "handling",
        6,
        "",
        "",
    )
    assert body["rating_source"] == ""  # the next round is rated afresh
    assert _event_rows(reference)[-1][1:] == (
        "reopen", "evaluating", "handling", "supervisor", {"reason": "居民不满意，重新办理。"}
    )  # fmt: skip

    # The unit can take it round again.
    again = _run(api, "unitmember", reference, "resolve", 6, result="已维修", outcome="fixed")
    assert (again["state"], again["outcome"]) == ("evaluating", "fixed")
