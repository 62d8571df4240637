"""Summons (吹哨) and check-in (报到) vocabulary (docs/summons.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SummonsOrigin(models.TextChoices):
    RESIDENT = "resident", _("Resident's whistle")  # 群众吹哨
    COMMUNITY = "community", _("Community's whistle")  # 社区吹哨
    STREET = "street", _("Street's whistle")  # 街道吹哨


class SummonsRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")  # 主办
    CO = "co", _("Co-unit")  # 协办
