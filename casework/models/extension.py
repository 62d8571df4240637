"""A handling unit's request for more time on a case (延期, docs/extensions.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .case import Case
from .organisation import Unit


class Extension(models.Model):
    """Asked by a member of the case's unit, decided once by the approver. `due_before` is
    the resolve due date when it was asked; `due_at` the date asked for, which approval
    gives the resolve clock."""

    class State(models.TextChoices):
        ASKED = "asked", _("awaiting a decision")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("handling unit")
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked at"))
    due_before = models.DateTimeField(_("due before"))
    due_at = models.DateTimeField(_("new due date"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ASKED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["asked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="asked"), name="extension_one_pending_per_case"
            )
        ]

    def __str__(self):
        return f"{self.case_id} → {self.due_at:%Y-%m-%d %H:%M} ({self.state})"
