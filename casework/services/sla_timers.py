"""Start, stop, pause and resume a case's SLA clocks; called inside case transitions.

`timer_retry` is the operator's: it hands timers parked as incidents back to the sweep.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db import transaction
from django.utils import timezone

from workflows.sla_rules import PAUSE, RESUME, START, STOP, TimerKind
from workflows.working_time import deadline, warn_at

from ..calendar import is_workday
from ..models import Case, Category, SlaPolicy, SlaTimer
from ..rules_cache import RulesCache


_policies = RulesCache(
    lambda: (
        tuple(SlaPolicy.objects.all()),
        dict(Category.objects.values_list("id", "parent_id")),
    )
)
policies_forget = _policies.forget


def policy_for(*, case: Case, kind: str) -> SlaPolicy | None:
    policies, parents = _policies.get()
    category_ids = {case.category_id, parents.get(case.category_id)} - {None}
    candidates = [
        p
        for p in policies
        if p.kind == kind
        and (p.category_id is None or p.category_id in category_ids)
        and p.urgency in ("", case.urgency)
        and p.difficulty in ("", case.difficulty)
    ]

    def specificity(policy: SlaPolicy):
        return (
            2 if policy.category_id == case.category_id else 1 if policy.category_id else 0,
            bool(policy.difficulty),
            bool(policy.urgency),
        )

    return max(candidates, key=specificity, default=None)


def due_for(*, policy: SlaPolicy, start: datetime) -> datetime:
    return deadline(start, policy.amount, policy.unit, is_workday)


def timer_start(*, case: Case, kind: str, at: datetime) -> SlaTimer | None:
    policy = policy_for(case=case, kind=kind)
    if policy is None:
        return None
    due = due_for(policy=policy, start=at)
    warn = warn_at(at, due)
    return SlaTimer.objects.create(
        case=case,
        kind=kind,
        # The ballot window is owed by the six parties, not by the case's handling unit.
        unit_id=None if kind == TimerKind.VOTE else case.unit_id,
        started_at=at,
        due_at=due,
        warn_at=warn,
        next_check_at=warn,
    )


def timer_start_due(*, case: Case, kind: str, at: datetime, due: datetime) -> SlaTimer:
    """Start a clock whose due date is given rather than read from a policy (an urge's
    reply deadline, docs/urges.md); it warns where `timer_start` would."""
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


def open_timer(case: Case, kind: str) -> SlaTimer | None:
    """The case's running or paused clock of `kind`, locked."""
    return (
        SlaTimer.objects.select_for_update()
        .filter(case=case, kind=kind, state__in=SlaTimer.OPEN_STATES)
        .first()
    )


def timer_stop(*, case: Case, kind: str, at: datetime) -> None:
    """The owed step is done. An open or parked clock stops; a missed one stays breached but
    records when the step finally came (the monthly figures judge lateness from that)."""
    SlaTimer.objects.filter(
        case=case,
        kind=kind,
        stopped_at__isnull=True,
        state__in=[*SlaTimer.OPEN_STATES, SlaTimer.State.INCIDENT, SlaTimer.State.BREACHED],
    ).update(
        state=models.Case(
            models.When(state=SlaTimer.State.BREACHED, then=models.Value(SlaTimer.State.BREACHED)),
            default=models.Value(SlaTimer.State.STOPPED),
        ),
        stopped_at=at,
        next_check_at=None,
    )


def timer_pause(*, case: Case, kind: str, at: datetime) -> None:
    """While paused the deadline sits at the end of the pause allowance: if the unit never
    resumes, the clock runs again once the cap is used up."""
    timer = open_timer(case, kind)
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
    timer = open_timer(case, kind)
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


def _pause_allowance(timer: SlaTimer) -> timedelta:
    """What a paused clock's due date holds beyond its real one (see `timer_pause`)."""
    if timer.state != SlaTimer.State.PAUSED:
        return timedelta(0)
    return max(timedelta(0), settings.SLA_PAUSE_CAP - timer.paused)


def open_timer_due(timer: SlaTimer) -> datetime:
    """When an open clock falls due if it runs from now on: a paused one's due date without
    the pause allowance it holds meanwhile."""
    return timer.due_at - _pause_allowance(timer)


def timer_due_move(*, timer: SlaTimer, due: datetime, at: datetime) -> None:
    """Give an open clock a new due date (an extension, docs/extensions.md): the warning
    falls where `timer_start` puts it, counted from the start plus the pauses already
    taken; a warning already sent is sent again if the new one still lies ahead. A paused
    clock keeps its pause allowance on top, as `timer_pause` set it."""
    allowance = _pause_allowance(timer)
    warn = warn_at(timer.started_at + timer.paused, due)
    if warn > at:
        timer.warned_at = None
    timer.due_at = due + allowance
    timer.warn_at = warn + allowance
    if timer.state == SlaTimer.State.PAUSED:
        timer.next_check_at = timer.due_at
    else:
        timer.next_check_at = timer.warn_at if timer.warned_at is None else timer.due_at
    timer.save(update_fields=["due_at", "warn_at", "warned_at", "next_check_at"])


def timers_apply(*, case: Case, timers: Iterable[tuple[str, str]], at: datetime) -> None:
    """A transition's clock effects (its spec's `timers`), in order."""
    for effect, kind in timers:
        if effect == START:
            timer_start(case=case, kind=kind, at=at)
        elif effect == STOP:
            timer_stop(case=case, kind=kind, at=at)
        elif effect == PAUSE:
            timer_pause(case=case, kind=kind, at=at)
        elif effect == RESUME:
            timer_resume(case=case, kind=kind, at=at)


def timer_retry(*, timer_ids: Iterable[int]) -> int:
    """Hand incident timers back to the sweep: no failed attempts, looked at right away.

    Returns how many were revived. Timers that are not incidents are left alone, and so is
    an incident whose case has meanwhile got an open clock of the same kind (a restart):
    only one may be open per case and kind. A timer that failed while paused comes back
    paused, so a later `resume` still finds it and counts the pause.
    """
    now = timezone.now()
    with transaction.atomic():
        timers = list(
            SlaTimer.objects.select_for_update()
            .filter(pk__in=list(timer_ids), state=SlaTimer.State.INCIDENT)
            .order_by("-started_at", "-id")  # of two parked clocks of one kind, the newer wins
        )
        open_clocks = set(
            SlaTimer.objects.filter(
                case_id__in={timer.case_id for timer in timers}, state__in=SlaTimer.OPEN_STATES
            ).values_list("case_id", "kind")
        )
        revived = 0
        for timer in timers:
            if (timer.case_id, timer.kind) in open_clocks:
                continue
            open_clocks.add((timer.case_id, timer.kind))
            timer.state = SlaTimer.State.PAUSED if timer.paused_at else SlaTimer.State.RUNNING
            timer.attempts = 0
            timer.next_check_at = now
            timer.save(update_fields=["state", "attempts", "next_check_at"])
            revived += 1
    return revived
