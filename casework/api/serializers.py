"""Output shapes of the API (DESIGN.md §7 contract details)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..ballot_secrecy import payload_for_reader
from ..models import Case, CaseEvent, Category, Grid, SlaTimer, Unit
from ..phone import phone_masked


class CaseOut(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    reporter_phone = serializers.SerializerMethodField()
    duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    deadlines = serializers.SerializerMethodField()
    consultation = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "reference",
            "state",
            "state_display",
            "version",
            "title",
            "description",
            "channel",
            "grid",
            "community",
            "address",
            "lat",
            "long",
            "reporter_name",
            "reporter_phone",
            "category",
            "urgency",
            "difficulty",
            "unit",
            "resolution",
            "outcome",
            "satisfaction",
            "rating_comment",
            "reject_reason",
            "duplicate_of",
            "created_at",
            "updated_at",
            "deadlines",
            "consultation",
        ]
        read_only_fields = fields

    def get_reporter_phone(self, case) -> str:
        actor = self.context["actor"]
        if actor.sees_phone_numbers(case.community_id):
            return case.reporter_phone
        return phone_masked(case.reporter_phone)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "format": "date-time"}})
    def get_deadlines(self, case) -> dict:
        timers = getattr(case, "open_timers", None)  # prefetched by the list selectors
        if timers is None:
            timers = case.timers.filter(state__in=SlaTimer.OPEN_STATES)
        return {timer.kind: timer.due_at for timer in timers}

    def get_consultation(self, case) -> int | None:
        """Its latest six-party consultation's id, once escalated."""
        if hasattr(case, "current_consultation_id"):  # annotated by the list selectors
            return case.current_consultation_id
        return case.consultations.order_by("-id").values_list("id", flat=True).first()


class CaseEventOut(serializers.ModelSerializer):
    """Context `secret_consultations`: consultations whose ballots the reader may not see."""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    payload = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["seq", "transition", "from_state", "to_state", "actor", "at", "payload"]
        read_only_fields = fields

    def get_payload(self, event) -> dict:
        secret = self.context.get("secret_consultations", set())
        return payload_for_reader(event.transition, event.payload, secret)


class GridOut(serializers.ModelSerializer):
    class Meta:
        model = Grid
        fields = ["id", "code", "name", "community"]


class UnitOut(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind"]


class CategoryOut(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent"]


class ErrorOut(serializers.Serializer):
    error = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField()
