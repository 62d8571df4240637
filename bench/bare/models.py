from django.db import models


class Case(models.Model):
    state = models.CharField(max_length=20, default="collected")
    version = models.PositiveIntegerField(default=1)


class Event(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    transition = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="bare_event_seq")]
