"""Validation of what residents send through their doors (the public form, Open311).

Like `casework.inputs`: serializers here only check and convert; the service decides.
"""

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


from .inputs import PHONE_PATTERN, TEXT_MAX
from .models import Category, Grid, ServiceAttribute
from .resident_selectors import categories_reportable

# The two coordinate systems a client may name (workflows.geo).
WGS84, GCJ02 = "wgs84", "gcj02"
ATTRIBUTE_TEXT_MAX = {
    ServiceAttribute.Datatype.STRING: 255,
    ServiceAttribute.Datatype.TEXT: TEXT_MAX,
}


class CategoryCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("There is no service “{value}”."),
        "invalid": _("Give a service code."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return categories_reportable()

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(code=str(data))
        except Category.DoesNotExist:
            self.fail("does_not_exist", value=str(data)[:40])


class GridCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("There is no address_id “{value}”: it is a grid’s code."),
        "invalid": _("Give a grid's code."),
    }

    def __init__(self, **kwargs):
        super().__init__(
            slug_field="code", queryset=Grid.objects.select_related("community"), **kwargs
        )

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(code=str(data))
        except Grid.DoesNotExist:
            self.fail("does_not_exist", value=str(data)[:40])


class ResidentReportInput(serializers.Serializer):
    """One report, as either door hands it over (the doors map their own field names)."""

    category = CategoryCodeField()
    description = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    grid = GridCodeField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(
        min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )
    long = serializers.FloatField(
        min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    coordinate_system = serializers.ChoiceField(
        choices=[(WGS84, "WGS84"), (GCJ02, "GCJ-02")], required=False, default=WGS84
    )
    reporter_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    reporter_phone = serializers.RegexField(
        PHONE_PATTERN,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": _("Enter a phone number of digits, spaces or dashes.")},
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    device_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    account_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    media_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")

    def __init__(self, *args, description_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.description_required = description_required

    def validate(self, attrs):
        errors = {}
        if (attrs["lat"] is None) != (attrs["long"] is None):
            errors["long"] = [_("Give latitude and longitude together.")]
        elif attrs["lat"] is None and not attrs["address"].strip() and attrs["grid"] is None:
            errors["location"] = [_("Say where it is: an address, a place, or coordinates.")]
        if not attrs["description"].strip():
            if self.description_required:
                errors["description"] = [_("Describe the concern.")]
            else:
                # Open311 leaves the description optional; a case needs one.
                attrs["description"] = attrs["category"].name
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def answers_clean(category: Category, raw: dict[str, list[str]]) -> tuple[list[dict], dict]:
    """Check `attribute[code]` answers against the category's service attributes.

    Returns the answers as recorded ([{"code", "question", "answer"}], in the attributes'
    order) and the errors by `attribute[code]`."""
    attributes = list(category.service_attributes.all())
    known = {attribute.code for attribute in attributes}
    errors: dict[str, list[str]] = {}
    answers = []
    for code in sorted(set(raw) - known):
        errors[f"attribute[{code}]"] = [str(_("This service has no such attribute."))]
    for attribute in attributes:
        values = [value.strip() for value in raw.get(attribute.code, []) if value.strip()]
        name = f"attribute[{attribute.code}]"
        if not values:
            if attribute.required:
                errors[name] = [str(_("This attribute is required."))]
            continue
        problem = _answer_problem(attribute, values)
        if problem:
            errors[name] = [str(problem)]
            continue
        if attribute.datatype in ServiceAttribute.LIST_TYPES:
            names = {str(choice["key"]): choice["name"] for choice in attribute.values}
            answer = "; ".join(names[value] for value in values)
        else:
            answer = values[0]
        answers.append(
            {
                "code": attribute.code,
                "question": attribute.description,
                "answer": answer,
                "keys": values,
            }
        )
    return answers, errors


def _answer_problem(attribute: ServiceAttribute, values: list[str]):
    kind = attribute.datatype
    if kind != ServiceAttribute.Datatype.MULTIVALUELIST and len(values) > 1:
        return _("Give one value.")
    if kind in ServiceAttribute.LIST_TYPES:
        if set(values) - set(attribute.choice_keys):
            return _("Choose among: %(keys)s.") % {"keys": ", ".join(attribute.choice_keys)}
        return None
    value = values[0]
    if kind == ServiceAttribute.Datatype.NUMBER:
        try:
            float(value)
        except ValueError:
            return _("Give a number.")
    elif kind == ServiceAttribute.Datatype.DATETIME:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return _("Give a date and time like 2026-05-01T08:30:00+08:00.")
    elif len(value) > ATTRIBUTE_TEXT_MAX.get(kind, TEXT_MAX):
        return _("At most %(n)s characters.") % {"n": ATTRIBUTE_TEXT_MAX.get(kind, TEXT_MAX)}
    return None
