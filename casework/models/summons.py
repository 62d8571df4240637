"""A unit summoned to a case (吹哨) and its check-in (报到) (docs/summons.md).

One row per summoned unit: the lead (主办) and each co-unit (协办). `due_at` is the unit's
check-in deadline (SLA policy `check_in`); the SLA sweep records a breach for a summons past
it without a check-in, once (`SlaBreach.summons` is one-to-one). A later summon of the same
case supersedes the earlier rows (`superseded_at`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.summons_states import SummonsOrigin, SummonsRole

from .case import Case
from .organisation import Unit


class Summons(models.Model):
    Role = SummonsRole
    Origin = SummonsOrigin

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="summons")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("summoned unit")
    )
    role = models.CharField(_("role"), max_length=4, choices=SummonsRole.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=SummonsOrigin.choices)
    reason = models.TextField(_("reason"))
    summoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("summoned by"),
    )
    summoned_at = models.DateTimeField(_("summoned at"))
    due_at = models.DateTimeField(_("check in by"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("checked in by"),
    )
    attendee = models.CharField(_("who comes"), max_length=200, blank=True)
    part_done_at = models.DateTimeField(_("part done at"), null=True, blank=True)
    part_note = models.TextField(_("what the unit did"), blank=True)
    part_closed_at = models.DateTimeField(_("part closed at"), null=True, blank=True)
    part_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("part closed by"),
    )
    closed_by_lead_reason = models.TextField(_("why the lead closed the part"), blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("summons")
        verbose_name_plural = _("summonses")
        ordering = ["summoned_at", "id"]
        indexes = [
            # The sweep's look for missed check-ins.
            models.Index(
                fields=["due_at"],
                condition=Q(checked_in_at__isnull=True, superseded_at__isnull=True),
                name="summons_check_in_due",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit"],
                condition=Q(superseded_at__isnull=True),
                name="summons_one_current_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.unit_id} {self.role}"

    @property
    def part_open(self) -> bool:
        return (
            self.role == SummonsRole.CO
            and self.superseded_at is None
            and self.part_done_at is None
            and self.part_closed_at is None
        )
