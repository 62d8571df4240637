"""The case page's deadlines: each SLA clock as what it is, when it is due and how it stands."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from ..models import SlaTimer


@dataclass
class Deadline:
    kind: str
    label: str
    state: str
    state_label: str
    unit: str
    started_at: datetime
    due_at: datetime
    due_label: str
    stopped_at: datetime | None
    paused_since: datetime | None
    paused_for: str  # time paused so far, in words; "" if never paused
    # How the clock stands at `now`: left, overdue, paused, on_time, late, missed, incident.
    standing: str
    standing_text: str


def deadlines(timers: list[SlaTimer], *, now: datetime) -> list[Deadline]:
    return [_deadline(timer, now) for timer in timers]


def _deadline(timer: SlaTimer, now: datetime) -> Deadline:
    standing, text = _standing(timer, now)
    return Deadline(
        kind=timer.kind,
        label=timer.get_kind_display(),
        state=timer.state,
        state_label=timer.get_state_display(),
        unit=timer.unit.name if timer.unit else "",
        started_at=timer.started_at,
        due_at=timer.due_at,
        # While paused, the due time is where the clock runs out if nobody resumes it.
        due_label=_("Due at the latest") if timer.state == SlaTimer.State.PAUSED else _("Due"),
        stopped_at=timer.stopped_at,
        paused_since=timer.paused_at if timer.state == SlaTimer.State.PAUSED else None,
        paused_for=_words(timer.paused) if timer.paused_seconds else "",
        standing=standing,
        standing_text=text,
    )


def _standing(timer: SlaTimer, now: datetime) -> tuple[str, str]:
    State = SlaTimer.State
    if timer.state == State.RUNNING:
        if now < timer.due_at:
            return "left", _("%(time)s left") % {"time": timeuntil(timer.due_at, now)}
        return "overdue", _("%(time)s overdue") % {"time": timesince(timer.due_at, now)}
    if timer.state == State.PAUSED:
        return "paused", _("Paused: if nobody resumes it, the clock runs out at the due time.")
    if timer.state == State.STOPPED:
        stopped = timer.stopped_at or now
        if stopped <= timer.due_at:
            return "on_time", _("Stopped in time")
        late = timesince(timer.due_at, stopped)
        return "late", _("Stopped %(time)s after the deadline") % {"time": late}
    if timer.state == State.BREACHED:
        return "missed", _("Missed")
    return "incident", _("The deadline check failed; it waits for an operator.")


def _words(delta: timedelta) -> str:
    start = datetime(2000, 1, 1)
    return timesince(start, start + delta)
