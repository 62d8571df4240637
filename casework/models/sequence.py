from django.db import models


class ReferenceSequence(models.Model):
    """Last number handed out per month, for references SS-YYYYMM-NNNNNN."""

    period = models.CharField(max_length=6, primary_key=True)
    last = models.PositiveIntegerField(default=0)
