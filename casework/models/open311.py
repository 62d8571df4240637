"""The residents' doors (docs/api.md#open311): Open311 keys and service definitions, and what the
public form or an Open311 client left beside the case they filed."""

import posixpath
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case
from .organisation import Category


class ApiKey(models.Model):
    """An Open311 client's key. Only a SHA-256 of the key is kept: the key is 32 random bytes,
    so a fast hash is enough (nothing to brute-force) and lets a request find its key by one
    indexed lookup. `prefix` (the key's first characters) tells keys apart in the admin."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ServiceAttribute(models.Model):
    """An extra question a category asks through Open311 (a GeoReport v2 service attribute),
    answered as `attribute[code]` when a request is posted."""

    class Datatype(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", _("number")
        DATETIME = "datetime", _("date and time")
        TEXT = "text", _("long text")
        SINGLEVALUELIST = "singlevaluelist", _("one of a list")
        MULTIVALUELIST = "multivaluelist", _("several of a list")

    LIST_TYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="service_attributes",
        verbose_name=_("category"),
    )
    code = models.SlugField(_("code"), max_length=40)
    description = models.CharField(_("question"), max_length=255)
    datatype = models.CharField(_("answer type"), max_length=20, choices=Datatype.choices)
    datatype_description = models.CharField(_("answer hint"), max_length=255, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    # [{"key": …, "name": …}] for the list types.
    values = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="service_attribute_code")
        ]

    def __str__(self):
        return f"{self.category.code}/{self.code}"

    def clean(self):
        if self.datatype in self.LIST_TYPES:
            ok = (
                isinstance(self.values, list)
                and self.values
                and all(isinstance(v, dict) and {"key", "name"} <= set(v) for v in self.values)
            )
            if not ok:
                raise ValidationError(
                    {"values": _('A list needs choices: [{"key": "…", "name": "…"}, …].')}
                )
        elif self.values:
            raise ValidationError({"values": _("Only the list types have choices.")})

    @property
    def choice_keys(self) -> list[str]:
        return [str(value["key"]) for value in self.values or []]


def _photo_path(instance, filename):
    # A random name: what the resident's phone called the file is nobody's business, and the
    # extension comes from the format the service detected, not from the upload.
    ext = posixpath.splitext(filename)[1].lower()
    return f"resident-photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class PublicIntake(models.Model):
    """What a residents' door recorded beside the case it filed: the private follow link's
    token (hashed, like API keys), the Open311 extras and the resident's photo. Staff see it
    on the case page; the public never sees the photo, the e-mail or the device."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="public_intake", verbose_name=_("case")
    )
    follow_token_hash = models.CharField(_("follow token hash"), max_length=64, unique=True)
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("Open311 API key"),
    )
    # [{"code", "question", "answer"}]: the answers with the wording the resident saw.
    attributes = models.JSONField(_("answers"), default=list, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to=_photo_path, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("public intake")
        verbose_name_plural = _("public intakes")

    def __str__(self):
        return f"{self.case_id} public intake"
