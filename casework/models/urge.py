"""A supervisor's urge (督办/催办) on an open case and the reply it is owed (docs/urges.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .case import Case
from .organisation import Unit


class Urge(models.Model):
    """Made by a street supervisor with a note and a reply deadline; owed by the case's unit
    when it was urged (`unit`), or by the community's dispatchers if it had none yet. The
    reply answers it once; the `urge` clock (docs/sla.md) runs until then."""

    class State(models.TextChoices):
        OPEN = "open", _("awaiting a reply")
        ANSWERED = "answered", _("answered")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="urges")
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("urged by"),
    )
    urged_at = models.DateTimeField(_("urged at"))
    note = models.TextField(_("note"))
    reply_by = models.DateTimeField(_("reply by"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("handling unit"),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)

    class Meta:
        verbose_name = _("urge")
        verbose_name_plural = _("urges")
        ordering = ["urged_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="open"), name="urge_one_open_per_case"
            )
        ]

    def __str__(self):
        return f"{self.case_id} urged, reply by {self.reply_by:%Y-%m-%d %H:%M} ({self.state})"
