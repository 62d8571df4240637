"""Filters of the breach board, shared by its page and its API so both narrow alike."""

from datetime import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows.sla_rules import TimerKind
from workflows.working_time import SHANGHAI

from .models import SlaBreach


def month_bounds(value: str) -> tuple[datetime, datetime]:
    """YYYY-MM → [first instant, first instant of the next month) in Asia/Shanghai."""
    start = datetime.strptime(value, "%Y-%m").replace(tzinfo=SHANGHAI)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end


def month_valid(value: str) -> None:
    try:
        month_bounds(value)
    except ValueError as exc:
        raise ValidationError(_("Use YYYY-MM.")) from exc


class BreachFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=TimerKind.choices)
    unit = django_filters.NumberFilter(field_name="unit_id")
    grid = django_filters.NumberFilter(field_name="grid_id")
    month = django_filters.CharFilter(
        method="filter_month", label=_("month (YYYY-MM)"), validators=[month_valid]
    )
    status = django_filters.ChoiceFilter(
        choices=[("open", _("open")), ("acknowledged", _("acknowledged"))], method="filter_status"
    )

    class Meta:
        model = SlaBreach
        fields = ["kind", "unit", "grid", "month", "status"]

    def filter_month(self, queryset, name, value):
        start, end = month_bounds(value)
        return queryset.filter(breached_at__gte=start, breached_at__lt=end)

    def filter_status(self, queryset, name, value):
        return queryset.filter(acknowledged_at__isnull=(value == "open"))
