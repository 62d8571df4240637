"""What a person may do comes from memberships scoped to a place
(docs/architecture.md#organisation)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .organisation import Community, Grid, Party, Street, Unit


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    DISPATCHER = "dispatcher", _("Dispatcher")
    UNIT_MEMBER = "unit_member", _("Unit member")
    PARTY_REPRESENTATIVE = "party_rep", _("Party representative")
    SUPERVISOR = "supervisor", _("Supervisor")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("grid")
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("community")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("unit")
    )
    street = models.ForeignKey(
        Street, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("street")
    )
    party = models.CharField(_("party"), max_length=30, choices=Party.choices, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Each role is scoped to exactly one kind of place.
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(
                        role="grid_worker",
                        grid__isnull=False,
                        community__isnull=True,
                        unit__isnull=True,
                        street__isnull=True,
                        party="",
                    )
                    | Q(
                        role="dispatcher",
                        grid__isnull=True,
                        community__isnull=False,
                        unit__isnull=True,
                        street__isnull=True,
                        party="",
                    )
                    | Q(
                        role="unit_member",
                        grid__isnull=True,
                        community__isnull=True,
                        unit__isnull=False,
                        street__isnull=True,
                        party="",
                    )
                    | Q(
                        role="party_rep",
                        grid__isnull=True,
                        community__isnull=False,
                        unit__isnull=True,
                        street__isnull=True,
                    )
                    & ~Q(party="")
                    | Q(
                        role="supervisor",
                        grid__isnull=True,
                        community__isnull=True,
                        unit__isnull=True,
                        street__isnull=False,
                        party="",
                    )
                ),
            )
        ]

    def __str__(self):
        scope = self.grid or self.community or self.unit or self.street
        party = f" ({self.get_party_display()})" if self.party else ""
        return f"{self.user} · {self.get_role_display()}{party} · {scope}"
