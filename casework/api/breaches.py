"""Supervisors' breach board over the API: list with filters, acknowledge with a comment."""

from datetime import datetime

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from workflows.sla_rules import TimerKind
from workflows.working_time import SHANGHAI

from .. import selectors
from ..actors import actor_for_user
from ..models import SlaBreach
from ..services.sla_breaches import breach_acknowledge
from .views import ERRORS


class BreachOut(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    acknowledged = serializers.SerializerMethodField()
    late_seconds = serializers.SerializerMethodField()
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SlaBreach
        fields = [
            "id",
            "case",
            "kind",
            "due_at",
            "breached_at",
            "late_seconds",
            "unit",
            "grid",
            "acknowledged",
            "acknowledged_at",
            "acknowledged_by",
            "comment",
        ]
        read_only_fields = fields

    def get_acknowledged(self, breach) -> bool:
        return breach.acknowledged_at is not None

    def get_late_seconds(self, breach) -> int:
        return int(breach.late_by.total_seconds())


class AcknowledgeIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


def month_bounds(value: str) -> tuple[datetime, datetime]:
    """YYYY-MM → [first instant, first instant of the next month) in Asia/Shanghai."""
    start = datetime.strptime(value, "%Y-%m").replace(tzinfo=SHANGHAI)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end


class BreachFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=TimerKind.choices)
    unit = django_filters.NumberFilter(field_name="unit_id")
    grid = django_filters.NumberFilter(field_name="grid_id")
    month = django_filters.CharFilter(method="filter_month", label=_("month (YYYY-MM)"))
    status = django_filters.ChoiceFilter(
        choices=[("open", _("open")), ("acknowledged", _("acknowledged"))], method="filter_status"
    )

    class Meta:
        model = SlaBreach
        fields = ["kind", "unit", "grid", "month", "status"]

    def filter_month(self, queryset, name, value):
        try:
            start, end = month_bounds(value)
        except ValueError as exc:
            raise serializers.ValidationError({"month": [_("Use YYYY-MM.")]}) from exc
        return queryset.filter(breached_at__gte=start, breached_at__lt=end)

    def filter_status(self, queryset, name, value):
        return queryset.filter(acknowledged_at__isnull=(value == "open"))


class BreachPagination(CursorPagination):
    ordering = ("-breached_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class BreachViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = BreachOut
    filterset_class = BreachFilter
    pagination_class = BreachPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SlaBreach.objects.none()
        return selectors.breach_list(actor=actor_for_user(self.request.user))

    @extend_schema(
        summary="Open and acknowledged breaches per unit, with the same filters as the list",
        responses={200: serializers.ListSerializer(child=serializers.DictField())},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def counts(self, request):
        breaches = self.filter_queryset(self.get_queryset())
        return Response(selectors.breach_counts_by_unit(breaches))

    @extend_schema(request=AcknowledgeIn, responses={200: BreachOut, **ERRORS})
    @action(detail=True, methods=["post"], filterset_class=None)
    def acknowledge(self, request, pk):
        data = AcknowledgeIn(data=request.data)
        data.is_valid(raise_exception=True)
        breach = breach_acknowledge(
            actor=actor_for_user(request.user),
            breach_id=int(pk) if str(pk).isdigit() else 0,
            comment=data.validated_data["comment"],
        )
        return Response(BreachOut(breach).data)
