"""The frozen monthly figures (docs/evaluation.md#report): one row per period, never changed."""

import hashlib
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


def report_checksum(*, period: str, starts_at, ends_at, run_at, figures: dict) -> str:
    """SHA-256 over the canonical JSON of the report; `verify_evaluation` recomputes it."""
    canonical = json.dumps(
        {
            "period": period,
            "starts_at": starts_at.astimezone(UTC).isoformat(),
            "ends_at": ends_at.astimezone(UTC).isoformat(),
            "run_at": run_at.astimezone(UTC).isoformat(),
            "figures": figures,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class EvaluationReport(models.Model):
    """Written once by the evaluation run, in the same transaction as the settlement."""

    period = models.CharField(_("period"), max_length=7, unique=True)  # YYYY-MM
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    run_at = models.DateTimeField(_("run at"))
    # {"weights", "basic_satisfied_weight", "settled", "totals", "streets", "communities",
    #  "grids", "units", "categories", and the cross-sections used for scoped views}.
    figures = models.JSONField(_("figures"), encoder=DjangoJSONEncoder)
    checksum = models.CharField(_("checksum"), max_length=64)

    class Meta:
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        ordering = ["-period"]

    def __str__(self):
        return self.period

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Evaluation reports are frozen.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Evaluation reports are frozen.")

    def checksum_expected(self) -> str:
        return report_checksum(
            period=self.period,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            run_at=self.run_at,
            figures=self.figures,
        )
