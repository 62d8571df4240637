"""Where cases happen and who handles them (docs/architecture.md#organisation)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Party(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Community Party committee")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    DEPARTMENT = "department", _("Government department")
    LOCAL_UNIT = "local_unit", _("Local organisation")
    PROPERTY = "property", _("Property management")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")


class Street(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Community(models.Model):
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Where the residents' doors place a report given by coordinates (WGS84): the nearest grid
    # whose circle holds the point (casework.services.resident.grid_locate).
    centre_lat = models.DecimalField(
        _("centre latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    centre_long = models.DecimalField(
        _("centre longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    radius_m = models.PositiveIntegerField(_("radius (metres)"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Government department")
        LOCAL_UNIT = "local_unit", _("Local organisation")
        PROPERTY = "property", _("Property management")
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
        PARTY_COMMITTEE = "party_committee", _("Community Party committee")
        RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="units", verbose_name=_("street")
    )
    communities = models.ManyToManyField(
        Community, related_name="units", verbose_name=_("communities served")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
        limit_choices_to={"parent__isnull": True},
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Search words for the residents' doors (Open311 `keywords`), comma separated.
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name
