"""Who exported which resident's data, and when (docs/privacy.md#export)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResidentDataExport(models.Model):
    """One export of a resident's data, written in the transaction that reads it. The phone
    is kept as a keyed hash (to find every export of one number) and masked (to read)."""

    class Door(models.TextChoices):
        API = "api", _("API")
        PAGE = "page", _("staff page")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("exported by"),
    )
    at = models.DateTimeField(_("at"), db_index=True)
    door = models.CharField(_("door"), max_length=10, choices=Door.choices)
    phone_hash = models.CharField(_("phone hash"), max_length=64, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20)
    cases = models.PositiveIntegerField(_("cases"))
    events = models.PositiveIntegerField(_("events"))
    intakes = models.PositiveIntegerField(_("public intakes"))

    class Meta:
        verbose_name = _("resident data export")
        verbose_name_plural = _("resident data exports")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.phone_masked} {self.at:%Y-%m-%d %H:%M}"
