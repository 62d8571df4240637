"""Supervisors' breach board over the API: list with filters, acknowledge with a comment."""

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors
from ..actors import actor_for_user
from ..breach_filters import BreachFilter
from ..models import SlaBreach
from ..services.sla_breaches import breach_acknowledge
from .pagination import GuardedCursorPagination
from .routers import ID_PATTERN
from .views import ERRORS, LIST_ERRORS

# Only the street's supervisors (and superusers) review breaches: anyone else is told 403.
BOARD_ERRORS = {**LIST_ERRORS, 403: ERRORS[403]}


class BreachOut(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    acknowledged = serializers.SerializerMethodField()
    late_seconds = serializers.SerializerMethodField()
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

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


class BreachPagination(GuardedCursorPagination):
    ordering = ("-breached_at", "-id")


@extend_schema_view(list=extend_schema(responses={200: BreachOut(many=True), **BOARD_ERRORS}))
class BreachViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = BreachOut
    lookup_value_regex = ID_PATTERN
    filterset_class = BreachFilter
    pagination_class = BreachPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SlaBreach.objects.none()
        return selectors.breach_list(actor=actor_for_user(self.request.user))

    @extend_schema(
        summary="Open and acknowledged breaches per unit, with the same filters as the list",
        responses={
            200: inline_serializer(
                "BreachCountOut",
                {
                    "unit_id": serializers.IntegerField(allow_null=True),
                    "unit__name": serializers.CharField(allow_null=True),
                    "open": serializers.IntegerField(),
                    "acknowledged": serializers.IntegerField(),
                },
                many=True,
            ),
            **BOARD_ERRORS,
        },
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
