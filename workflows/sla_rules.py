"""The SLA clocks and what a transition may do to one (docs/sla.md); which transition does
what is in its spec (`workflows.transitions`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimerKind(models.TextChoices):
    RESPOND = "respond", _("respond")
    RESOLVE = "resolve", _("resolve")
    CONSULT = "consult", _("consult")
    VOTE = "vote", _("vote")
    # A supervisor's urge (督办) awaiting the unit's reply (docs/urges.md).
    URGE = "urge", _("urge reply")
    # A summoned unit's check-in (报到); its clock is the summons' own due date, not an
    # SlaTimer (docs/summons.md#the-check-in-clock).
    CHECK_IN = "check_in", _("check in")


START, STOP, PAUSE, RESUME = "start", "stop", "pause", "resume"
