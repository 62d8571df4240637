"""Notifications that leave Casework (docs/notifications.md): each person's channel
preferences, and one outbox row per notification and channel that a Celery task delivers,
retrying with backoff, so a gateway that is down loses nothing."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .sla import Notification


class Channel(models.TextChoices):
    """The ways out besides the in-app inbox, which every notification always reaches."""

    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("e-mail")


class NotificationPreference(models.Model):
    """How one staff member wants to be reached. No row: by e-mail when they have an address
    (what Casework did before channels). The phone is personal data
    (docs/privacy.md#staff-phones)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)
    # Local time (Asia/Shanghai); start after end runs across midnight. Both or neither.
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user} {','.join(self.channels) or '-'}"


class NotificationDelivery(models.Model):
    """One notification on its way out through one channel: the outbox row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed permanently")
        SKIPPED = "skipped", _("skipped")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_due"
            )
        ]

    def __str__(self):
        return f"{self.notification_id} {self.channel} {self.status}"
