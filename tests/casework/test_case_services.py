"""Domain rules at the service layer, where every door ends up (casework/services/cases.py)."""

from datetime import UTC, datetime

import pytest
import time_machine

from casework.errors import Conflict, Forbidden, Invalid, NotFound
from casework.models import CaseEvent
from casework.services.cases import case_collect, case_transition
from tests.factories import actor_of, case_file, case_snapshot
from workflows.actors import SYSTEM


def _run(case, actor, name, payload=None):
    return case_transition(
        actor=actor, case_id=case.pk, name=name, payload=payload or {}, version=case.version
    )


def test_evaluation_day_closes_a_rated_case_as_the_system(demo):
    case = demo.case_in("evaluating_rated")

    closed = _run(case, SYSTEM, "close")

    assert closed.state == "closed"
    event = closed.events.order_by("seq").last()
    assert (event.transition, event.actor_id) == ("close", None)


def test_evaluation_day_reopens_a_dissatisfied_case_as_the_system(demo):
    case = demo.case_in("evaluating")
    case = _run(case, actor_of(demo.user("gridworker")), "rate",
                {"satisfaction": "dissatisfied", "comment": "还是漏水", "channel": "phone"})

    reopened = _run(case, SYSTEM, "reopen", {"reason": "居民不满意"})

    assert (reopened.state, reopened.satisfaction) == ("handling", "")


def test_the_system_closes_an_unrated_case_only_as_unrated(demo):
    """SYSTEM_SKIPS_CONDITIONS lets the evaluation day close an unrated case; the log must
    say so ({"unrated": true}), so a plain close of an unrated case is still refused."""
    case = demo.case_in("evaluating")
    before = case_snapshot(case)

    with pytest.raises(Invalid) as refused:
        _run(case, SYSTEM, "close")

    assert "unrated" in refused.value.fields
    assert case_snapshot(case) == before

    closed = _run(case, SYSTEM, "close", {"unrated": True})

    assert (closed.state, closed.satisfaction) == ("closed", "")
    event = closed.events.order_by("seq").last()
    assert (event.transition, event.actor_id, event.payload) == ("close", None, {"unrated": True})


def test_a_rated_case_is_never_closed_as_unrated(demo):
    case = demo.case_in("evaluating_rated")

    with pytest.raises(Invalid) as refused:
        _run(case, SYSTEM, "close", {"unrated": True})

    assert "unrated" in refused.value.fields


@pytest.mark.parametrize("payload", [{"unrated": True}, {"evaluation": "2026-11"}])
def test_a_person_may_not_mark_a_close_as_the_evaluation_days(demo, payload):
    """`unrated` and `evaluation` are the system's to set: a person sending them gets 400."""
    case = demo.case_in("evaluating_rated")
    before = case_snapshot(case)

    with pytest.raises(Invalid) as refused:
        _run(case, actor_of(demo.user("dispatcher")), "close", payload)

    assert set(refused.value.fields) == set(payload)
    assert case_snapshot(case) == before


def test_a_supervisor_may_not_mark_a_reopen_as_the_evaluation_days(demo):
    case = demo.case_in("evaluating_rated")

    with pytest.raises(Invalid) as refused:
        _run(case, actor_of(demo.user("supervisor")), "reopen",
             {"reason": "复查", "evaluation": "2026-11"})

    assert "evaluation" in refused.value.fields


def test_dispatcher_closing_an_unrated_case_is_told_to_wait_for_the_rating(demo):
    case = demo.case_in("evaluating")

    with pytest.raises(Conflict) as refused:
        _run(case, actor_of(demo.user("dispatcher")), "close")

    assert refused.value.code == "condition_failed"


def test_grid_worker_closing_an_unrated_case_is_still_not_allowed(demo):
    case = demo.case_in("evaluating")

    with pytest.raises(Forbidden):
        _run(case, actor_of(demo.user("gridworker")), "close")


def test_superuser_may_run_the_whole_lifecycle_anywhere(demo):
    admin = actor_of(demo.user("admin"))
    case = case_file(demo.user("outsider"), grid=demo.grid("C2-G1").pk)

    for name, payload in [
        ("classify", demo.classify_payload("property-2")),
        ("accept", {}),
        ("resolve", {"result": "已处理", "outcome": "fixed"}),
        ("rate", {"satisfaction": "satisfied", "comment": "满意", "channel": "visit"}),
        ("close", {}),
    ]:
        case = _run(case, admin, name, payload)

    assert (case.state, case.version) == ("closed", 6)


def test_system_cannot_classify(demo):
    case = demo.case_in("collected")

    with pytest.raises(Forbidden):
        _run(case, SYSTEM, "classify", demo.classify_payload())


def test_door_that_fixes_the_channel_overrides_the_callers_choice(demo):
    case = case_collect(
        actor=actor_of(demo.user("gridworker")),
        data={"title": "噪音", "description": "夜间施工。", "grid": demo.grid().pk, "channel": "hall"},
        channel="open311",
    )

    assert case.channel == "open311"
    assert case.events.get().payload["channel"] == "open311"


def test_unknown_transition_and_missing_version_are_refused_before_touching_the_case(demo):
    case = demo.case_in("collected")
    dispatcher = actor_of(demo.user("dispatcher"))

    with pytest.raises(NotFound):
        case_transition(actor=dispatcher, case_id=case.pk, name="teleport", payload={}, version=1)
    with pytest.raises(Invalid) as invalid:
        case_transition(actor=dispatcher, case_id=case.pk, name="classify", payload={}, version=None)
    assert "version" in invalid.value.fields


def test_events_are_numbered_in_order_and_stamped_with_the_application_clock(demo):
    moments = [datetime(2026, 6, day, 1, 0, tzinfo=UTC) for day in (1, 2, 3, 4)]
    with time_machine.travel(moments[0], tick=False):
        case = case_file(demo.user("gridworker"))
    for moment, step in zip(moments[1:], demo.steps_to("evaluating"), strict=True):
        user, name, payload = step
        with time_machine.travel(moment, tick=False):
            case = _run(case, actor_of(user), name, payload)

    events = list(case.events.order_by("seq").values_list("seq", "at"))
    assert events == list(zip([1, 2, 3, 4], moments, strict=True))
    assert (case.created_at, case.updated_at) == (moments[0], moments[-1])


def test_events_are_append_only(demo):
    event = demo.case_in("classified").events.order_by("seq").first()

    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_refused_transition_in_autocommit_leaves_no_half_write(demo, api):
    # No test transaction around this one: each request commits or rolls back for real.
    case = demo.case_in("collected")
    before = case_snapshot(case)
    url = f"/api/v1/cases/{case.reference}/transitions/classify/"

    refused = api("dispatcher").post(url, {"version": 1, **demo.classify_payload("property-2")})
    assert refused.status_code == 400
    assert case_snapshot(case) == before

    accepted = api("dispatcher").post(url, {"version": 1, **demo.classify_payload("property-1")})
    assert accepted.status_code == 200
    assert case_snapshot(case)["version"] == 2
    assert case_snapshot(case)["events"] == 2
