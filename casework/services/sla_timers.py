"""Start, stop, pause and resume a case's SLA clocks; called inside case transitions."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from workflows.sla_rules import PAUSE, RESUME, START, STOP, TIMER_EFFECTS
from workflows.working_time import LimitUnit, deadline, warn_at

from ..calendar import workday_checker
from ..models import Case, SlaPolicy, SlaTimer


def policy_for(*, case: Case, kind: str) -> SlaPolicy | None:
    category_ids = [c for c in (case.category_id, case.category and case.category.parent_id) if c]
    candidates = SlaPolicy.objects.filter(
        Q(category__isnull=True) | Q(category_id__in=category_ids),
        Q(urgency="") | Q(urgency=case.urgency),
        Q(difficulty="") | Q(difficulty=case.difficulty),
        kind=kind,
    )

    def specificity(policy: SlaPolicy):
        return (
            2 if policy.category_id == case.category_id else 1 if policy.category_id else 0,
            bool(policy.difficulty),
            bool(policy.urgency),
        )

    return max(candidates, key=specificity, default=None)


def due_for(*, policy: SlaPolicy, start: datetime) -> datetime:
    if policy.unit == LimitUnit.WORKING_DAYS:
        # Long enough to cover the limit plus the longest run of holidays.
        checker = workday_checker(start.date() - timedelta(days=1), policy.amount * 3 + 30)
    else:
        checker = None
    return deadline(start, policy.amount, policy.unit, checker)


def timer_start(*, case: Case, kind: str, at: datetime) -> SlaTimer | None:
    policy = policy_for(case=case, kind=kind)
    if policy is None:
        return None
    due = due_for(policy=policy, start=at)
    warn = warn_at(at, due)
    return SlaTimer.objects.create(
        case=case,
        kind=kind,
        unit_id=case.unit_id,
        started_at=at,
        due_at=due,
        warn_at=warn,
        next_check_at=warn,
    )


def _open_timer(case: Case, kind: str) -> SlaTimer | None:
    return (
        SlaTimer.objects.select_for_update()
        .filter(case=case, kind=kind, state__in=SlaTimer.OPEN_STATES)
        .first()
    )


def timer_stop(*, case: Case, kind: str, at: datetime) -> None:
    SlaTimer.objects.filter(case=case, kind=kind, state__in=SlaTimer.OPEN_STATES).update(
        state=SlaTimer.State.STOPPED, stopped_at=at, next_check_at=None
    )


def timer_pause(*, case: Case, kind: str, at: datetime) -> None:
    """While paused the deadline sits at the end of the pause allowance: if the unit never
    resumes, the clock runs again once the cap is used up."""
    timer = _open_timer(case, kind)
    if timer is None or timer.state != SlaTimer.State.RUNNING:
        return
    cap_left = max(timedelta(0), settings.SLA_PAUSE_CAP - timer.paused)
    timer.state = SlaTimer.State.PAUSED
    timer.paused_at = at
    timer.due_at += cap_left
    timer.warn_at += cap_left
    timer.next_check_at = timer.due_at
    timer.save(update_fields=["state", "paused_at", "due_at", "warn_at", "next_check_at"])


def timer_resume(*, case: Case, kind: str, at: datetime) -> None:
    timer = _open_timer(case, kind)
    if timer is None or timer.state != SlaTimer.State.PAUSED:
        return
    cap_left = max(timedelta(0), settings.SLA_PAUSE_CAP - timer.paused)
    paused = min(at - timer.paused_at, cap_left)
    unused = cap_left - paused
    timer.state = SlaTimer.State.RUNNING
    timer.paused_at = None
    timer.paused_seconds += int(paused.total_seconds())
    timer.due_at -= unused
    timer.warn_at -= unused
    timer.next_check_at = timer.warn_at if timer.warned_at is None else timer.due_at
    timer.save(
        update_fields=["state", "paused_at", "paused_seconds", "due_at", "warn_at", "next_check_at"]
    )


def timers_apply(*, case: Case, transition: str, at: datetime) -> None:
    for effect, kind in TIMER_EFFECTS.get(transition, ()):
        if effect == START:
            timer_stop(case=case, kind=kind, at=at)  # a restarted clock replaces the old one
            timer_start(case=case, kind=kind, at=at)
        elif effect == STOP:
            timer_stop(case=case, kind=kind, at=at)
        elif effect == PAUSE:
            timer_pause(case=case, kind=kind, at=at)
        elif effect == RESUME:
            timer_resume(case=case, kind=kind, at=at)
