"""SLA policies, the working calendar, timers as rows, breaches (docs/sla.md)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.case_states import Difficulty, Urgency
from workflows.sla_rules import TimerKind
from workflows.working_time import LimitUnit

from .case import Case
from .organisation import Category, Community, Grid, Unit


class SlaPolicy(models.Model):
    """A limit for one clock; blank category/urgency/difficulty match anything.

    The most specific matching row wins (category, then difficulty, then urgency).
    """

    kind = models.CharField(_("clock"), max_length=10, choices=TimerKind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("category")
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    difficulty = models.CharField(
        _("difficulty"), max_length=10, choices=Difficulty.choices, blank=True
    )
    amount = models.PositiveIntegerField(_("limit"))
    unit = models.CharField(_("time unit"), max_length=15, choices=LimitUnit.choices)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["kind", "category", "difficulty", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "category", "urgency", "difficulty"],
                condition=Q(category__isnull=False),
                name="sla_policy_unique_for_category",
            ),
            models.UniqueConstraint(
                fields=["kind", "urgency", "difficulty"],
                condition=Q(category__isnull=True),
                name="sla_policy_unique_default",
            ),
        ]

    def __str__(self):
        scope = " · ".join(
            str(part)
            for part in (self.category, self.get_urgency_display(), self.get_difficulty_display())
            if part
        )
        return f"{self.get_kind_display()} {scope or _('default')}: {self.amount} {self.get_unit_display()}"


class CalendarOverride(models.Model):
    """A day the office declares a holiday or a make-up workday; wins over the package."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {_('working day') if self.is_workday else _('holiday')}"


class SlaTimer(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", _("running")
        PAUSED = "paused", _("paused")
        STOPPED = "stopped", _("stopped")
        BREACHED = "breached", _("breached")
        INCIDENT = "incident", _("incident")

    OPEN_STATES = (State.RUNNING, State.PAUSED)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timers")
    kind = models.CharField(_("clock"), max_length=10, choices=TimerKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("owed by")
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    warn_at = models.DateTimeField(_("warn at"))
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused seconds"), default=0)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    # When the sweep must look at this timer next (warning or due); NULL once settled.
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("SLA timer")
        verbose_name_plural = _("SLA timers")
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="sla_timer_next_check",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_timer_one_open_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} → {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def paused(self) -> timedelta:
        return timedelta(seconds=self.paused_seconds)


class SlaBreach(models.Model):
    # One breach per timer: a second firing of the same timer cannot record another. A
    # missed check-in has no timer: it is owed by its summons, one breach each
    # (docs/summons.md#the-check-in-clock).
    timer = models.OneToOneField(
        SlaTimer, on_delete=models.CASCADE, null=True, blank=True, related_name="breach"
    )
    summons = models.OneToOneField(
        "casework.Summons", on_delete=models.CASCADE, null=True, blank=True,
        related_name="breach",
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="breaches")
    kind = models.CharField(_("clock"), max_length=10, choices=TimerKind.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("owed by")
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("due at"))
    breached_at = models.DateTimeField(_("breached at"), db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        ordering = ["-breached_at"]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.breached_at:%Y-%m-%d %H:%M}"

    @property
    def late_by(self) -> timedelta:
        return self.breached_at - self.due_at


class Notification(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", _("deadline approaching")
        BREACH = "breach", _("deadline missed")
        WHISTLE = "whistle", _("raised to the street")
        CONSULT_NEEDED = "consult_needed", _("consultation needed")
        DECIDE_NEEDED = "decide_needed", _("supervisor must decide")
        VOTE_OPEN = "vote_open", _("consultation open for your vote")
        INCIDENT = "incident", _("timer incident")
        EXTENSION = "extension", _("extension request")
        URGE = "urge", _("urge from a supervisor")
        SUMMONS = "summons", _("summoned to a case")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.kind} {self.message[:30]}"
