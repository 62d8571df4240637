"""The six-party consultation (六方会商, docs/consultation.md): options, ballots, tally and decision.

Its steps run as a viewflow process (`workflows.consultation_flow`); `process` links the two.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.consultation_states import ConsultationState, Mode

from .case import Case
from .organisation import Party, Unit


class Consultation(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("case")
    )
    process = models.OneToOneField(
        "viewflow.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation",
        verbose_name=_("workflow process"),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ConsultationState.choices,
        default=ConsultationState.DRAFTING,
        db_index=True,
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("meeting time"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    # The vote: opened once the options are written; closes when all six parties have voted
    # or at `closes_at` (the `vote` clock's due time).
    quorum = models.PositiveSmallIntegerField(_("quorum"), null=True, blank=True)
    voting_opened_at = models.DateTimeField(_("voting opened at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("vote closes at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("vote closed at"), null=True, blank=True)
    tally = models.JSONField(_("tally"), default=dict, blank=True)
    outcome = models.ForeignKey(
        "ConsultationOption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("winning option"),
    )
    # What the case was decided with: the winner, or the supervisor's choice.
    decided_option = models.ForeignKey(
        "ConsultationOption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided option"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # After a meeting on site or in the hall (纪要).
    minutes = models.TextField(_("minutes"), blank=True)
    attendance = models.JSONField(_("attendance"), default=dict, blank=True)  # party → present
    minutes_at = models.DateTimeField(_("minutes recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["case", "-id"], name="consultation_case_latest")]
        constraints = [
            # A case is in at most one open consultation at a time.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=["drafting", "voting"]),
                name="consultation_one_open_per_case",
            )
        ]

    def __str__(self):
        return f"{self.case.reference} · {self.get_mode_display()} · {self.get_state_display()}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ConsultationOption(models.Model):
    """A plan put to the vote; it may name the unit that would carry it out."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="options"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("plan"), max_length=500)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("handling unit")
    )

    class Meta:
        verbose_name = _("consultation option")
        verbose_name_plural = _("consultation options")
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "position"], name="consultation_option_position"
            )
        ]

    def __str__(self):
        return self.text


class Ballot(models.Model):
    """One party's ballot: an option, or an abstention (no option). Changeable until close."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="ballots"
    )
    party = models.CharField(_("party"), max_length=30, choices=Party.choices)
    option = models.ForeignKey(
        ConsultationOption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
        verbose_name=_("option"),
    )
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cast by")
    )
    cast_at = models.DateTimeField(_("cast at"))
    changed_at = models.DateTimeField(_("last changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["consultation", "party"]
        constraints = [
            # docs/consultation.md#ballots: one ballot per party per consultation, whoever casts it.
            models.UniqueConstraint(fields=["consultation", "party"], name="ballot_one_per_party")
        ]

    def __str__(self):
        return f"{self.consultation_id} {self.party}: {self.option_id or 'abstain'}"

    @property
    def choice(self) -> int | str:
        return self.option_id if self.option_id is not None else "abstain"
