"""Validation of what callers send, shared by every door (API, pages, commands).

Serializers here only check and convert; the services decide and write.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from workflows.case_states import Channel, Difficulty, Outcome, Satisfaction, Urgency

from .models import Case, Category, Grid, Unit

TEXT_MAX = 4000
REASON_MAX = 2000
PHONE_PATTERN = r"^\+?[0-9][0-9 \-]{4,19}$"


class CollectInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX)
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.select_related("community"))
    channel = serializers.ChoiceField(choices=Channel.choices)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    long = serializers.FloatField(
        min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    reporter_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reporter_phone = serializers.RegexField(
        PHONE_PATTERN,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": _("Enter a phone number of digits, spaces or dashes.")},
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)

    def validate(self, attrs):
        if (attrs["lat"] is None) != (attrs["long"] is None):
            raise serializers.ValidationError({"long": _("Give latitude and longitude together.")})
        return attrs


class VersionInput(serializers.Serializer):
    """The case version a transition was built on; a mismatch is a 409, not a 400."""

    version = serializers.IntegerField(min_value=1)


class ClassifyInput(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))

    def validate_unit(self, unit):
        case = self.context["case"]
        if not unit.communities.filter(pk=case.community_id).exists():
            raise serializers.ValidationError(_("This unit does not serve the case's community."))
        return unit


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class ResolveInput(serializers.Serializer):
    result = serializers.CharField(max_length=TEXT_MAX)
    outcome = serializers.ChoiceField(choices=Outcome.choices)


class ResolveOnSpotInput(serializers.Serializer):
    result = serializers.CharField(max_length=TEXT_MAX)


class RateInput(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)
    duplicate_of = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")

    def validate_duplicate_of(self, reference):
        if not reference:
            return None
        case = self.context["case"]
        original = Case.objects.filter(reference=reference, community_id=case.community_id).first()
        if original is None:
            raise serializers.ValidationError(_("No case with this reference in this community."))
        if original.pk == case.pk:
            raise serializers.ValidationError(_("A case cannot duplicate itself."))
        return original


class EmptyInput(serializers.Serializer):
    pass


TRANSITION_INPUTS: dict[str, type[serializers.Serializer]] = {
    "classify": ClassifyInput,
    "resolve_on_spot": ResolveOnSpotInput,
    "accept": EmptyInput,
    "return": ReasonInput,
    "resolve": ResolveInput,
    "suspend": ReasonInput,
    "resume": EmptyInput,
    "rate": RateInput,
    "close": EmptyInput,
    "reopen": ReasonInput,
    "reject": RejectInput,
}
