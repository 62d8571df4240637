from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background process showed it is alive (docs/operations.md#health):
    `beat` is written when Celery beat starts and by the heartbeat task it schedules, which a
    worker runs — so a fresh one means beat, the broker and a worker all work."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
