from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.case_states import State

from .case import Case


class CaseEvent(models.Model):
    """Append-only audit log; written in the same transaction as the change it records."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    transition = models.CharField(_("transition"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    at = models.DateTimeField(_("at"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq")]
        indexes = [
            models.Index(fields=["transition", "at"], name="case_event_transition_at"),
            # The evaluation finds every case with an event in its period.
            models.Index(fields=["at"], name="case_event_at"),
        ]

    def __str__(self):
        return f"{self.case_id}#{self.seq} {self.transition}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Case events are append-only.")
