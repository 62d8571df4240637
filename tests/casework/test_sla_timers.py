"""Transitions start, stop, pause and resume the SLA clocks (docs/sla.md#starts-and-stops)."""

from datetime import datetime, timedelta

import pytest
import time_machine

from casework.models import SlaPolicy, SlaTimer
from tests.factories import case_file, case_move, case_url
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

FRIDAY_10 = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def timers(case) -> dict:
    return {
        (t.kind, t.state): t for t in SlaTimer.objects.filter(case=case).order_by("started_at", "id")
    }


def test_classify_starts_respond_one_working_day_and_shows_in_deadlines(demo, api):
    with time_machine.travel(FRIDAY_10, tick=False):
        case = case_file(demo.user("gridworker"))
        case = case_move(case, (demo.user("dispatcher"), "classify", demo.classify_payload()))
        body = api("dispatcher").get(case_url(case.reference)).json()

    respond = SlaTimer.objects.get(case=case, kind="respond")
    assert respond.state == "running"
    assert respond.due_at == at(2026, 11, 23, 10, 0)  # over the weekend to Monday
    assert respond.warn_at == FRIDAY_10 + (respond.due_at - FRIDAY_10) * 0.8
    assert respond.unit == demo.unit()
    assert list(body["deadlines"]) == ["respond"]
    assert datetime.fromisoformat(body["deadlines"]["respond"]) == respond.due_at


def test_urgent_case_must_be_answered_within_two_hours(demo):
    with time_machine.travel(at(2026, 11, 21, 23, 0), tick=False):  # a Saturday night
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload(urgency="urgent")),
        )
    assert SlaTimer.objects.get(case=case).due_at == at(2026, 11, 22, 1, 0)


def test_accept_stops_respond_and_starts_resolve_of_seven_days(demo):
    with time_machine.travel(FRIDAY_10, tick=False):
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload()),
        )
    with time_machine.travel(at(2026, 11, 20, 15, 0), tick=False):
        case = case_move(case, (demo.user("unitmember"), "accept", {}))

    found = timers(case)
    assert found[("respond", "stopped")].stopped_at == at(2026, 11, 20, 15, 0)
    assert found[("resolve", "running")].due_at == at(2026, 11, 27, 15, 0)


def test_hard_case_gets_fifteen_days_to_resolve(demo):
    with time_machine.travel(FRIDAY_10, tick=False):
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
            (demo.user("unitmember"), "accept", {}),
        )
    assert timers(case)[("resolve", "running")].due_at == FRIDAY_10 + timedelta(days=15)


def test_a_category_policy_wins_over_the_default(demo):
    SlaPolicy.objects.create(
        kind="respond", category=demo.category(), amount=4, unit="hours"
    )
    with time_machine.travel(FRIDAY_10, tick=False):
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload()),
        )
    assert SlaTimer.objects.get(case=case).due_at == at(2026, 11, 20, 14, 0)


def test_resolve_and_return_stop_their_clocks(demo):
    unitmember, dispatcher = demo.user("unitmember"), demo.user("dispatcher")
    returned = case_move(
        case_file(demo.user("gridworker")),
        (dispatcher, "classify", demo.classify_payload()),
        (unitmember, "return", {"reason": "不归我们管"}),
    )
    resolved = demo.case_in("evaluating")
    assert not SlaTimer.objects.filter(case__in=[returned, resolved], state__in=["running", "paused"])


def test_reopen_starts_a_fresh_resolve_clock(demo):
    case = demo.case_in("evaluating")
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        case = case_move(case, (demo.user("supervisor"), "reopen", {"reason": "居民不满意"}))
    resolve = SlaTimer.objects.filter(case=case, kind="resolve").order_by("-id")
    assert [t.state for t in resolve] == ["running", "stopped"]
    assert resolve[0].due_at == at(2026, 12, 8, 9, 0)


def test_suspend_and_resume_shift_the_deadline_by_the_paused_time(demo, api):
    with time_machine.travel(FRIDAY_10, tick=False):
        case = demo.case_in("handling")
    original = SlaTimer.objects.get(case=case, kind="resolve", state="running").due_at
    with time_machine.travel(at(2026, 11, 21, 9, 0), tick=False):
        case = case_move(case, (demo.user("unitmember"), "suspend", {"reason": "等居民回家开门"}))
    assert SlaTimer.objects.get(case=case, kind="resolve").state == "paused"
    with time_machine.travel(at(2026, 11, 21, 12, 30), tick=False):
        client = api("unitmember")
        response = client.post(
            f"/api/v1/cases/{case.reference}/transitions/resume/", {"version": case.version}
        )
    assert response.status_code == 200, response.content
    timer = SlaTimer.objects.get(case=case, kind="resolve")
    assert timer.state == "running"
    assert timer.due_at == original + timedelta(hours=3, minutes=30)
    assert timer.paused_seconds == 3.5 * 3600
    assert datetime.fromisoformat(response.json()["deadlines"]["resolve"]) == timer.due_at


def test_a_pause_longer_than_the_cap_counts_only_the_cap(demo, settings):
    settings.SLA_PAUSE_CAP = timedelta(days=2)
    with time_machine.travel(FRIDAY_10, tick=False):
        case = demo.case_in("handling")
        original = SlaTimer.objects.get(case=case, kind="resolve").due_at
        case = case_move(case, (demo.user("unitmember"), "suspend", {"reason": "等第三方检测"}))
    with time_machine.travel(FRIDAY_10 + timedelta(days=5), tick=False):
        case_move(case, (demo.user("unitmember"), "resume", {}))
    timer = SlaTimer.objects.get(case=case, kind="resolve")
    assert timer.due_at == original + timedelta(days=2)
    assert timer.paused_seconds == 2 * 86400


def test_a_paused_clock_is_due_once_the_cap_is_used_up(demo, settings):
    settings.SLA_PAUSE_CAP = timedelta(days=2)
    with time_machine.travel(FRIDAY_10, tick=False):
        case = demo.case_in("handling")
        original = SlaTimer.objects.get(case=case, kind="resolve").due_at
        case_move(case, (demo.user("unitmember"), "suspend", {"reason": "等第三方检测"}))
    timer = SlaTimer.objects.get(case=case, kind="resolve")
    assert timer.due_at == original + timedelta(days=2)
    assert timer.next_check_at == timer.due_at
