"""case_transition_many: the checks of case_transition for each case, batched writes."""

import pytest

from casework.errors import Conflict, Forbidden
from casework.models import CaseEvent
from casework.services.cases_many import case_transition_many
from tests.factories import actor_of, case_snapshot
from workflows.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_each_case_gets_its_transition_and_event(demo):
    cases = [demo.case_in("evaluating_rated") for _ in range(3)]

    results = case_transition_many(
        actor=SYSTEM, name="close", items=[(c.pk, c.version, {}) for c in cases]
    )

    assert results == {c.pk: None for c in cases}
    for case in cases:
        case.refresh_from_db()
        event = case.events.order_by("seq").last()
        assert (case.state, event.transition, event.seq, event.from_state) == (
            "closed", "close", case.version, "evaluating",
        )  # fmt: skip


def test_a_refused_case_is_left_alone_and_the_others_go_ahead(demo):
    ok, stale, wrong_state = (demo.case_in("evaluating_rated") for _ in range(2)), None, None
    ok, stale = list(ok)
    wrong_state = demo.case_in("handling")
    before = {c.pk: case_snapshot(c) for c in (stale, wrong_state)}

    results = case_transition_many(
        actor=SYSTEM,
        name="close",
        items=[(ok.pk, ok.version, {}), (stale.pk, stale.version - 1, {}),
               (wrong_state.pk, wrong_state.version, {})],
    )

    assert results[ok.pk] is None
    assert (results[stale.pk].code, results[wrong_state.pk].code) == ("stale_version", "invalid_state")
    assert {c.pk: case_snapshot(c) for c in (stale, wrong_state)} == before


def test_permissions_are_checked_per_case(demo):
    case = demo.case_in("evaluating_rated")
    results = case_transition_many(
        actor=actor_of(demo.user("unitmember")), name="close", items=[(case.pk, case.version, {})]
    )
    assert isinstance(results[case.pk], Forbidden)
    assert not CaseEvent.objects.filter(case=case, transition="close").exists()


def test_reopen_starts_fresh_resolve_clocks(demo):
    case = demo.case_in("evaluating")
    results = case_transition_many(
        actor=SYSTEM, name="reopen", items=[(case.pk, case.version, {"reason": "不满意"})]
    )
    assert results == {case.pk: None}
    assert case.timers.filter(kind="resolve", state="running").count() == 1
    assert not isinstance(results[case.pk], Conflict)
