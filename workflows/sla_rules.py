"""Which case transition starts, stops, pauses or resumes which SLA clock (DESIGN.md §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimerKind(models.TextChoices):
    RESPOND = "respond", _("respond")
    RESOLVE = "resolve", _("resolve")
    CONSULT = "consult", _("consult")
    VOTE = "vote", _("vote")


START, STOP, PAUSE, RESUME = "start", "stop", "pause", "resume"

# transition → [(effect, timer kind)], applied in order inside the transition's transaction.
TIMER_EFFECTS: dict[str, list[tuple[str, str]]] = {
    "classify": [(START, TimerKind.RESPOND)],
    "accept": [(STOP, TimerKind.RESPOND), (START, TimerKind.RESOLVE)],
    # Returning is a response too: the unit answered, just not with "ours".
    "return": [(STOP, TimerKind.RESPOND)],
    "reject": [(STOP, TimerKind.RESPOND)],
    "escalate": [(STOP, TimerKind.RESPOND), (START, TimerKind.CONSULT)],
    # The decided plan is handled on a fresh resolve clock, owed by the plan's unit; a clock
    # left from before the escalation is superseded (stopped, or stays breached).
    "decide": [(STOP, TimerKind.CONSULT), (STOP, TimerKind.RESOLVE), (START, TimerKind.RESOLVE)],
    "resolve": [(STOP, TimerKind.RESOLVE)],
    "reopen": [(START, TimerKind.RESOLVE)],
    "suspend": [(PAUSE, TimerKind.RESOLVE)],
    "resume": [(RESUME, TimerKind.RESOLVE)],
}
