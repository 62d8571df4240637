"""Fire due SLA timers (docs/sla.md#sweep): warn at 80 %, breach at 100 %, then act.

Workers claim due rows with SELECT … FOR UPDATE SKIP LOCKED in small batches, so any
number of sweeps may run at once. A firing commits together with everything it causes
(breach row, notifications, case event), so a duplicate delivery, a second beat or a retry
finds nothing left to do, and the OneToOne breach→timer makes a second breach impossible.
"""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows.actors import SYSTEM
from workflows.case_states import Difficulty, State
from workflows.consultation_states import PARTIES, Mode
from workflows.sla_rules import TimerKind

from ..models import Ballot, Case, Notification, SlaBreach, SlaTimer
from .case_events import case_event_append
from .cases import case_transition
from .consultations import vote_deadline_reached
from .summons import summons_sweep
from .notifications import (
    community_dispatchers,
    notify,
    party_representatives,
    street_supervisors,
    unit_members,
)

logger = logging.getLogger(__name__)


def sla_sweep(
    *, now: datetime | None = None, batch_size: int = 50, time_budget: float | None = None
) -> Counter:
    """Fire everything due at `now`, or by the live clock if not given. Returns counts."""
    clock = (lambda: now) if now is not None else timezone.now
    totals: Counter = Counter()
    started = time.monotonic()
    # Notifications are written in the office's language, whoever runs the sweep.
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            claimed, outcomes = _sweep_batch(clock=clock, batch_size=batch_size)
            totals.update(outcomes)
            if claimed < batch_size:
                break
            if time_budget is not None and time.monotonic() - started > time_budget:
                return totals
        # Summoned units that missed their check-in (docs/summons.md#the-check-in-clock).
        totals.update(
            {k: v for k, v in summons_sweep(clock=clock, batch_size=batch_size).items() if v}
        )
        return totals


def _sweep_batch(*, clock, batch_size: int) -> tuple[int, Counter]:
    outcomes: Counter = Counter()
    with transaction.atomic():
        timers = list(
            SlaTimer.objects.select_for_update(skip_locked=True)
            .filter(next_check_at__lte=clock())
            .order_by("next_check_at")[:batch_size]
        )
        for timer in timers:
            now = clock()  # breaches record when they were seen, not when the batch began
            try:
                with transaction.atomic():
                    outcomes[timer_fire(timer=timer, now=now)] += 1
            except Exception as exc:
                logger.exception("SLA timer %s failed", timer.pk)
                outcomes[timer_failure_record(timer_id=timer.pk, error=exc, now=now)] += 1
    return len(timers), outcomes


def timer_fire(*, timer: SlaTimer, now: datetime) -> str:
    # A transition holding the case will stop or restart this clock itself; waiting for it
    # could deadlock (it may be waiting for this timer's row), so leave it to the next sweep.
    # Lock the case row only: without `of`, PostgreSQL would lock the joined community too,
    # so a parallel sweep skipped every case of that community as "busy" and intake there
    # (whose INSERT needs a key-share lock on the community) waited for the whole batch.
    case = (
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("community")
        .filter(pk=timer.case_id)
        .first()
    )
    if case is None:
        return "busy"
    if timer.state not in SlaTimer.OPEN_STATES:
        timer.next_check_at = None
        timer.save(update_fields=["next_check_at"])
        return "settled"
    if timer.due_at <= now:
        breach_record(timer=timer, case=case, now=now)
        return "breached"
    if timer.state == SlaTimer.State.RUNNING and timer.warned_at is None and timer.warn_at <= now:
        _warn(timer=timer, case=case, now=now)
        return "warned"
    timer.next_check_at = timer.due_at if timer.warned_at or timer.state == "paused" else timer.warn_at
    timer.save(update_fields=["next_check_at"])
    return "rescheduled"


def _owed_by(timer: SlaTimer, case: Case) -> list[int]:
    if timer.kind == TimerKind.VOTE:
        # The ballot window is owed by the parties that have not voted yet.
        voted = Ballot.objects.filter(consultation__case=case, consultation__state="voting")
        return party_representatives(case, set(PARTIES) - set(voted.values_list("party", flat=True)))
    return unit_members(timer.unit_id) or community_dispatchers(case)


def _warn(*, timer: SlaTimer, case: Case, now: datetime) -> None:
    owed_by = _owed_by(timer, case)
    notify(
        user_ids=owed_by,
        case=case,
        kind=Notification.Kind.WARNING,
        message=_("%(reference)s: the %(clock)s deadline is %(due)s.")
        % {
            "reference": case.reference,
            "clock": timer.get_kind_display(),
            "due": timezone.localtime(timer.due_at).strftime("%Y-%m-%d %H:%M"),
        },
    )
    timer.warned_at = now
    timer.next_check_at = timer.due_at
    timer.save(update_fields=["warned_at", "next_check_at"])


def breach_record(*, timer: SlaTimer, case: Case, now: datetime) -> SlaBreach:
    breach = SlaBreach.objects.create(
        timer=timer,
        case=case,
        kind=timer.kind,
        unit_id=timer.unit_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
        due_at=timer.due_at,
        breached_at=now,
    )
    timer.state = SlaTimer.State.BREACHED
    timer.next_check_at = None
    timer.save(update_fields=["state", "next_check_at"])
    BREACH_ACTIONS.get(timer.kind, _notify_supervisors)(timer=timer, case=case, now=now)
    return breach


def _notify_supervisors(*, timer: SlaTimer, case: Case, now: datetime) -> None:
    notify(
        user_ids=street_supervisors(case),
        case=case,
        kind=Notification.Kind.BREACH,
        message=_("%(reference)s: the %(clock)s deadline was missed.")
        % {"reference": case.reference, "clock": timer.get_kind_display()},
    )


def _whistle(*, timer: SlaTimer, case: Case, now: datetime) -> None:
    """Missed respond: raise the case to the street (吹哨), on the case's own record."""
    case_event_append(
        case=case,
        transition="whistle",
        actor=SYSTEM,
        at=now,
        payload={"clock": timer.kind, "due_at": timer.due_at, "unit": timer.unit_id},
    )
    notify(
        user_ids=street_supervisors(case),
        case=case,
        kind=Notification.Kind.WHISTLE,
        message=_("%(reference)s: nobody responded in time; raised to the street.")
        % {"reference": case.reference},
    )


def _missed_resolve(*, timer: SlaTimer, case: Case, now: datetime) -> None:
    if case.difficulty == Difficulty.HARD and case.state == State.HANDLING:
        # A hard case the unit could not settle in time goes to the six parties; the
        # dispatcher writes the options (opening the consultation tells them to).
        case_transition(
            actor=SYSTEM,
            case_id=case.pk,
            name="escalate",
            payload={"mode": Mode.HALL},
            version=case.version,
        )
        return
    _notify_supervisors(timer=timer, case=case, now=now)


def _missed_consult(*, timer: SlaTimer, case: Case, now: datetime) -> None:
    notify(
        user_ids=street_supervisors(case),
        case=case,
        kind=Notification.Kind.DECIDE_NEEDED,
        message=_("%(reference)s: the consultation missed its deadline; the supervisor decides.")
        % {"reference": case.reference},
    )


def _vote_closes(*, timer: SlaTimer, case: Case, now: datetime) -> None:
    """The ballot window ran out: the vote closes with the ballots cast and is counted."""
    vote_deadline_reached(case=case, now=now)


BREACH_ACTIONS = {
    TimerKind.RESPOND: _whistle,
    TimerKind.RESOLVE: _missed_resolve,
    TimerKind.CONSULT: _missed_consult,
    TimerKind.VOTE: _vote_closes,
    # An unanswered urge (docs/urges.md): the breach is owed by the unit; the supervisors hear.
    TimerKind.URGE: _notify_supervisors,
}


def timer_failure_record(*, timer_id: int, error: Exception, now: datetime) -> str:
    """A failed look at a timer: retried with backoff, parked as an incident (for an
    operator, docs/sla.md) after SLA_MAX_ATTEMPTS."""
    timer = SlaTimer.objects.get(pk=timer_id)
    timer.attempts += 1
    timer.last_error = f"{type(error).__name__}: {error}"[:2000]
    if timer.attempts >= settings.SLA_MAX_ATTEMPTS:
        timer.state = SlaTimer.State.INCIDENT
        timer.next_check_at = None
        outcome = "incident"
    else:
        backoff = min(settings.SLA_RETRY_BASE * 2 ** (timer.attempts - 1), timedelta(minutes=10))
        timer.next_check_at = now + backoff
        outcome = "retry"
    timer.save(update_fields=["attempts", "last_error", "state", "next_check_at"])
    return outcome
