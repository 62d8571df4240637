"""Output shapes of the API (docs/api.md#cases)."""

import copy

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..ballot_secrecy import payload_for_reader
from ..models import Case, CaseEvent, Category, Extension, Grid, SlaTimer, Summons, Unit, Urge
from ..phone import phone_masked
from ..privacy import (
    TEXT_FIELDS,
    payload_masked,
    personal_data_masked,
    reporter_names,
    sees_personal_data,
)


def _choice_or_blank(model, name: str):
    """A choice not made yet is served as "" (the contract's value): the schema lists ""
    beside the choices (BlankEnum) rather than leave it out of the enum."""
    field = model._meta.get_field(name)
    return serializers.ChoiceField(
        choices=field.choices, allow_blank=True, read_only=True, label=field.verbose_name
    )


class BuiltOnce:
    """A ModelSerializer introspects its model again for every instance it makes, and DRF
    deep-copies each field by calling its constructor again: most of an answer's cost.
    These output fields never change, so build them once per class and hand out shallow
    copies, each bound to its own serializer (none holds a child field that binding would
    share)."""

    _built_fields: dict = {}

    def get_fields(self):
        cls = type(self)
        if cls not in self._built_fields:
            fields = super().get_fields()
            # A child field or nested serializer would be shared by every copy.
            assert not any(
                hasattr(f, "child") or hasattr(f, "child_relation")
                or isinstance(f, serializers.BaseSerializer)
                for f in fields.values()
            ), f"{cls.__name__} has a field that shallow copies would share"
            self._built_fields[cls] = fields
        return {name: copy.copy(field) for name, field in self._built_fields[cls].items()}


class CaseOut(BuiltOnce, serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    reporter_phone = serializers.SerializerMethodField()
    duplicate_of = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    difficulty = _choice_or_blank(Case, "difficulty")
    outcome = _choice_or_blank(Case, "outcome")
    satisfaction = _choice_or_blank(Case, "satisfaction")
    rating_source = _choice_or_blank(Case, "rating_source")
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
            "public_consent",
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
            "rating_source",
            "reject_reason",
            "duplicate_of",
            "created_at",
            "updated_at",
            "deadlines",
            "consultation",
        ]
        read_only_fields = fields

    def to_representation(self, case):
        data = super().to_representation(case)
        # What residents and staff typed is shown whole only to who may read the phone.
        if not sees_personal_data(self.context.get("actor"), case):
            names = reporter_names(case)
            for name in TEXT_FIELDS:
                data[name] = personal_data_masked(data[name], names=names)
        return data

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
    """Context `secret_consultations`: consultations whose ballots the reader may not see;
    `sees_personal_data` (default no: masked) and the case's `reporter_names`."""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    from_state = _choice_or_blank(CaseEvent, "from_state")  # "" for the first event
    payload = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["seq", "transition", "from_state", "to_state", "actor", "at", "payload"]
        read_only_fields = fields

    def get_payload(self, event) -> dict:
        secret = self.context.get("secret_consultations", set())
        payload = payload_for_reader(event.transition, event.payload, secret)
        if self.context.get("sees_personal_data", False):
            return payload
        return payload_masked(payload, names=self.context.get("reporter_names", ()))


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


class ExtensionOut(serializers.ModelSerializer):
    """A request for more time (docs/extensions.md); people by username, as in the log. The
    reasons are masked like the case's texts for those who do not read personal data
    (context `actor`; docs/privacy.md)."""

    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    asked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Extension
        fields = [
            "id",
            "case",
            "unit",
            "state",
            "asked_by",
            "asked_at",
            "due_before",
            "due_at",
            "reason",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields

    def to_representation(self, extension):
        data = super().to_representation(extension)
        case = extension.case
        if not sees_personal_data(self.context.get("actor"), case):
            for key in ("reason", "decision_reason"):
                data[key] = personal_data_masked(data[key], names=reporter_names(case))
        return data


class UrgeOut(serializers.ModelSerializer):
    """A supervisor's urge (docs/urges.md) and its reply; people by username, as in the
    log. Note and reply are masked like the case's texts for those who do not read
    personal data (context `actor`; docs/privacy.md)."""

    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    urged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    answered_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Urge
        fields = [
            "id",
            "case",
            "unit",
            "state",
            "urged_by",
            "urged_at",
            "note",
            "reply_by",
            "answered_by",
            "answered_at",
            "reply",
        ]
        read_only_fields = fields

    def to_representation(self, urge):
        data = super().to_representation(urge)
        case = urge.case
        if not sees_personal_data(self.context.get("actor"), case):
            for key in ("note", "reply"):
                data[key] = personal_data_masked(data[key], names=reporter_names(case))
        return data


class SummonsOut(serializers.ModelSerializer):
    """A unit summoned to a case (docs/summons.md): its role, check-in and part. The
    reasons and notes are masked like the case's texts for those who do not read personal
    data (context `actor`; docs/privacy.md)."""

    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    checked_in_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    part_closed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    check_in_late = serializers.SerializerMethodField()

    class Meta:
        model = Summons
        fields = [
            "id",
            "case",
            "unit",
            "role",
            "origin",
            "reason",
            "summoned_at",
            "due_at",
            "checked_in_at",
            "checked_in_by",
            "attendee",
            "check_in_late",
            "part_done_at",
            "part_note",
            "part_closed_at",
            "part_closed_by",
            "closed_by_lead_reason",
        ]
        read_only_fields = fields

    def get_check_in_late(self, summons) -> bool:
        """Checked in after the due date, or not yet and the due date has passed."""
        from django.utils import timezone

        return (summons.checked_in_at or timezone.now()) > summons.due_at

    def to_representation(self, summons):
        data = super().to_representation(summons)
        case = summons.case
        if not sees_personal_data(self.context.get("actor"), case):
            for key in ("reason", "part_note", "closed_by_lead_reason", "attendee"):
                data[key] = personal_data_masked(data[key], names=reporter_names(case))
        return data
