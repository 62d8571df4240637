from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.case_lifecycle import CaseLifecycle
from workflows.case_states import (
    Channel,
    Difficulty,
    Outcome,
    RatingSource,
    Satisfaction,
    Urgency,
)
from workflows.consultation_states import CLOSED_STATES

from .organisation import Category, Community, Grid, Unit


class Case(CaseLifecycle):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid"))
    # Copied from the grid at intake so scope checks need no join.
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="cases", verbose_name=_("community")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    reporter_name = models.CharField(_("reporter name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    difficulty = models.CharField(_("difficulty"), max_length=10, choices=Difficulty.choices, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("unit")
    )
    # The unit paused the resolve clock, waiting on the resident or a third party.
    is_suspended = models.BooleanField(_("suspended"), default=False)
    resolution = models.TextField(_("what was done"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    # The round's rating came from the resident or from a staff callback (回访); the monthly
    # report counts them apart (docs/security.md, "Ratings").
    rating_source = models.CharField(
        _("rating source"), max_length=10, choices=RatingSource.choices, blank=True
    )
    # The resident agreed that the case may appear in the public feed (Open311). Cases filed
    # through a public door are public anyway (docs/privacy.md).
    public_consent = models.BooleanField(_("resident agreed to publication"), default=False)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("duplicate of")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["community", "state", "-created_at"], name="case_community_state"),
            models.Index(fields=["grid", "-created_at"], name="case_grid_recent"),
            models.Index(fields=["unit", "state"], name="case_unit_state"),
            # The case list's order (-created_at, -id) within a dispatcher's community and
            # within a unit: filtered pages walk these instead of the global created_at index
            # (bench/case_list.py; BENCHMARKS.md).
            models.Index(fields=["community", "-created_at", "-id"], name="case_community_recent"),
            models.Index(fields=["unit", "-created_at", "-id"], name="case_unit_recent"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def consultation_awaits_decision(self) -> bool:
        """Its latest consultation's vote has closed and nobody has decided yet."""
        latest = self.consultations.order_by("-id").values("state", "decided_at").first()
        return bool(latest) and latest["state"] in CLOSED_STATES and latest["decided_at"] is None
