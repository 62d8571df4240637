"""Validation of what callers send, shared by every door (API, pages, commands).

Serializers here only check and convert; the services decide and write.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.case_permissions import is_the_resident
from workflows.case_states import (
    RESIDENT_CHANNELS,
    STAFF_CHANNELS,
    CallbackChannel,
    Channel,
    Difficulty,
    Outcome,
    RatingSource,
    Satisfaction,
    Urgency,
)
from workflows.consultation_states import ABSTAIN, MEETING_MODES, PARTIES, Mode
from workflows.summons_states import SummonsOrigin

from .errors import Invalid
from .models import Case, Category, ConsultationOption, Grid, Unit

TEXT_MAX = 4000
REASON_MAX = 2000
PHONE_PATTERN = r"^\+?[0-9][0-9 \-]{4,19}$"
# The transitions that end a round of handling; a callback comes after the latest of them.
RESOLVING = ("resolve", "resolve_on_spot")


def validated(serializer_class, data, **context) -> dict:
    """The clean data, or `Invalid` naming each problem by its field."""
    serializer = serializer_class(data=data, context=context)
    if not serializer.is_valid():
        raise Invalid(fields=serializer.errors)
    return serializer.validated_data


class StaffChannelField(serializers.ChoiceField):
    """A channel staff file through; the residents' channels get a message of their own."""

    default_error_messages = {
        "resident_door": _(
            "Residents file online and Open311 cases themselves; choose how the resident "
            "reached you, and tick their agreement to publication if they gave it."
        )
    }

    def __init__(self, **kwargs):
        super().__init__(choices=STAFF_CHANNELS, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data in RESIDENT_CHANNELS:
            self.fail("resident_door")
        return super().to_internal_value(data)


class CollectInput(serializers.Serializer):
    """A new case, filed by staff. `channel`: how the resident reached you; `online` and
    `open311` are the residents' own doors and are refused here. `public_consent`: the
    resident agreed to publication; the case then appears in the public Open311 feed, with
    phone and ID numbers and the reporter's name masked."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX)
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.select_related("community"))
    channel = StaffChannelField()
    public_consent = serializers.BooleanField(required=False, default=False)
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


class DoorCollectInput(CollectInput):
    """A case a residents' door files: the door sets its own channel (online, open311)."""

    channel = serializers.ChoiceField(choices=Channel.choices)


class VersionInput(serializers.Serializer):
    """The case version a transition was built on; a mismatch is a 409, not a 400."""

    version = serializers.IntegerField(min_value=1)


class ServingUnitField(serializers.PrimaryKeyRelatedField):
    """An active unit serving the case's community (context `case`), found in one query."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Unit.objects.filter(is_active=True), **kwargs)

    def get_queryset(self):
        return super().get_queryset().filter(communities=self.context["case"].community_id)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            # Only on the way out: say why, when the unit exists but serves elsewhere.
            text = str(data)
            pk = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
            if pk is not None and Unit.objects.filter(pk=pk, is_active=True).exists():
                raise serializers.ValidationError(
                    _("This unit does not serve the case's community.")
                ) from None
            raise


class ClassifyInput(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    unit = ServingUnitField()


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class ResolveInput(serializers.Serializer):
    result = serializers.CharField(max_length=TEXT_MAX)
    outcome = serializers.ChoiceField(choices=Outcome.choices)


class ResolveOnSpotInput(serializers.Serializer):
    result = serializers.CharField(max_length=TEXT_MAX)


class RateInput(serializers.Serializer):
    """The round's one rating. From the resident (their follow link): `{satisfaction,
    comment?}`. From staff, only as a callback (回访) for a resident who has not rated:
    `{satisfaction, comment, channel, called_at?}`, where `comment` is what the resident said
    and `called_at` (default now) lies between the resolution and now. Who rated is the
    actor's, never the caller's to claim: the clean data carries `source`."""

    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=CallbackChannel.choices, required=False, allow_blank=True, default=""
    )
    called_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        actor, case = self.context.get("actor"), self.context["case"]
        if actor is not None and is_the_resident(case, actor):
            return {
                "satisfaction": attrs["satisfaction"],
                "comment": attrs["comment"],
                "source": RatingSource.RESIDENT,
            }
        return {
            "satisfaction": attrs["satisfaction"],
            "comment": attrs["comment"],
            "source": RatingSource.CALLBACK,
            # The transition's own time, so a callback "now" is logged at its event's time.
            **_callback_checked(case, attrs, now=self.context.get("now") or timezone.now()),
        }


def _callback_checked(case, attrs, *, now) -> dict:
    called_at = attrs["called_at"] or now
    errors = {}
    if not attrs["comment"]:
        errors["comment"] = [_("Write down what the resident said on the callback.")]
    if not attrs["channel"]:
        errors["channel"] = [_("Say how the resident was reached: phone call or visit.")]
    if called_at > now:
        errors["called_at"] = [_("The callback cannot be in the future.")]
    else:
        resolved_at = case.events.filter(transition__in=RESOLVING).aggregate(at=Max("at"))["at"]
        # Forms give the minute only: a call in the minute of the resolution is after it.
        if resolved_at is not None and called_at < resolved_at.replace(second=0, microsecond=0):
            errors["called_at"] = [_("The callback cannot be before the case was resolved.")]
    if errors:
        raise serializers.ValidationError(errors)
    return {"channel": attrs["channel"], "called_at": called_at}


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


def _system_only(serializer, value, message):
    actor = serializer.context.get("actor")
    if actor is None or not actor.is_system:
        raise serializers.ValidationError(message)
    return value


class EvaluationMarkInput(serializers.Serializer):
    """`evaluation`: the period (YYYY-MM) whose evaluation day ran the transition. Only the
    system sets it (400 for a person), so the log tells the evaluation day's acts apart."""

    evaluation = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False)

    def validate_evaluation(self, value):
        return _system_only(self, value, _("Only the evaluation day may set this."))


class CloseInput(EvaluationMarkInput):
    unrated = serializers.BooleanField(required=False)

    def validate_unrated(self, value):
        # A form that leaves the box out sends False (HTML checkbox rules): that is no claim.
        if not value:
            return value
        return _system_only(
            self, value, _("Only the evaluation day closes a case without a rating.")
        )

    def validate(self, attrs):
        if not attrs.get("unrated", True):
            del attrs["unrated"]  # the log records only a real "unrated" claim
        # Closing an unrated case is the evaluation day's, and must say so in the log; a
        # rated case is never closed "as unrated".
        rated = bool(self.context["case"].satisfaction)
        if attrs.get("unrated") and rated:
            raise serializers.ValidationError({"unrated": _("This case has a rating.")})
        if not rated and not attrs.get("unrated"):
            raise serializers.ValidationError({"unrated": _("An unrated case closes as unrated.")})
        return attrs


class ReopenInput(EvaluationMarkInput, ReasonInput):
    pass


# ---------------------------------------------------------------- the six-party consultation

OPTION_MAX = 500
OPTIONS_MAX = 10
PLACE_MAX = 200


class OptionInput(serializers.Serializer):
    text = serializers.CharField(max_length=OPTION_MAX)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )

    def validate_unit(self, unit):
        case = self.context["case"]
        if unit is not None and not unit.communities.filter(pk=case.community_id).exists():
            raise serializers.ValidationError(_("This unit does not serve the case's community."))
        return unit


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": OPTION_MAX},
            {
                "type": "object",
                "properties": {
                    "text": {"type": "string", "maxLength": OPTION_MAX},
                    "unit": {"type": "integer", "nullable": True},
                },
                "required": ["text"],
            },
        ]
    }
)
class OptionField(serializers.Field):
    """A plan option: its text, or `{"text", "unit"}` when the plan names who carries it out."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = {"text": data}
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Give the option's text, or an object with text and unit."))
        option = OptionInput(data=data, context=self.context)
        if not option.is_valid():
            raise serializers.ValidationError(option.errors)
        return option.validated_data

    def to_representation(self, value):
        return value


class OptionsInput(serializers.Serializer):
    """The plan options and, for a meeting on site or in the hall, where and when it is held.
    Context: `case` and `mode`."""

    options = serializers.ListField(
        child=OptionField(), max_length=OPTIONS_MAX, required=False, default=list
    )
    place = serializers.CharField(max_length=PLACE_MAX, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    options_required = True

    def validate(self, attrs):
        errors = {}
        if not attrs["options"] and self.options_required:
            errors["options"] = [_("Write at least one option to vote on.")]
        mode = attrs.get("mode", self.context.get("mode"))
        # Voting opens with the options, so the meeting must be fixed by then.
        if attrs["options"] and mode in MEETING_MODES:
            if not attrs["place"]:
                errors["place"] = [_("A meeting on site or in the hall needs a place.")]
            if attrs["starts_at"] is None:
                errors["starts_at"] = [_("A meeting on site or in the hall needs a time.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class EscalateInput(OptionsInput):
    """`{mode, options: [text | {text, unit}, …], place?, starts_at?}`. People write at least one
    option; the SLA engine opens without any and the dispatcher writes them afterwards."""

    mode = serializers.ChoiceField(choices=Mode.choices)

    @property
    def options_required(self):
        actor = self.context.get("actor")
        return not (actor is not None and actor.is_system)


class DecideInput(serializers.Serializer):
    """`{option}`: one of the options of the case's consultation."""

    option = serializers.IntegerField()

    def validate_option(self, option_id):
        case = self.context["case"]
        consultation = case.consultations.order_by("-id").first()
        option = (
            ConsultationOption.objects.select_related("unit")
            .filter(pk=option_id, consultation=consultation)
            .first()
        )
        if option is None:
            raise serializers.ValidationError(_("Choose one of this consultation's options."))
        return option

    def validate(self, attrs):
        option = attrs["option"]
        return {"option": option, "plan": option.text, "unit": option.unit}


class BallotInput(serializers.Serializer):
    """`{"option": <id> | "abstain", "party"?}`; `party` only for someone seated for two."""

    option = serializers.CharField(max_length=20)
    party = serializers.ChoiceField(choices=PARTIES, required=False, allow_blank=True, default="")

    def validate_option(self, choice):
        if choice == ABSTAIN:
            return None
        consultation = self.context["consultation"]
        option = None
        # ASCII only: "²" is a digit to str.isdigit() but not to int(), and "١" reads as 1.
        if choice.isascii() and choice.isdigit():
            option = consultation.options.filter(pk=int(choice)).first()
        if option is None:
            raise serializers.ValidationError(
                _("Choose one of this consultation's options, or “abstain”.")
            )
        return option


class MinutesInput(serializers.Serializer):
    minutes = serializers.CharField(max_length=TEXT_MAX)
    present = serializers.MultipleChoiceField(choices=PARTIES, required=False, default=set)

    def validate(self, attrs):
        return {
            "minutes": attrs["minutes"],
            "attendance": {party: party in attrs["present"] for party in PARTIES},
        }


class NotificationPreferenceInput(serializers.Serializer):
    """What a person may set about their own notifications (docs/notifications.md#preferences);
    `services.notification_preferences` checks the fields against each other."""

    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=["sms", "wechat", "email"]),
        max_length=3,
        help_text="Besides the in-app inbox, which always gets everything: sms, wechat, email.",
    )
    phone = serializers.CharField(
        max_length=20, allow_blank=True, default="",
        help_text="Mainland mobile (13x–19x, 11 digits; +86 allowed). Needed for `sms`.",
    )
    wechat_openid = serializers.CharField(
        max_length=64, allow_blank=True, default="",
        help_text="Your openid under our official account. Needed for `wechat`.",
    )
    quiet_start = serializers.TimeField(
        input_formats=["%H:%M"], allow_null=True, default=None,
        help_text="HH:MM, Asia/Shanghai. Non-urgent messages wait until `quiet_end`; "
        "across midnight allowed. Both or neither.",
    )
    quiet_end = serializers.TimeField(input_formats=["%H:%M"], allow_null=True, default=None)


class AwareDateTimeField(serializers.DateTimeField):
    """A moment with its UTC offset (`…+08:00` or `Z`): a bare local time is ambiguous."""

    default_error_messages = {
        "naive": _("Give the time with its time zone, e.g. 2026-12-20T17:00:00+08:00."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip()) if len(value) < 64 else None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


class ExtensionAskInput(serializers.Serializer):
    """A unit's request for more time (docs/extensions.md): `due_at`, the new resolve due
    date with its time zone, later than now and than the current one (context `due_before`)
    and at most EXTENSION_MAX_DAYS ahead; `reason`, why."""

    due_at = AwareDateTimeField()
    reason = serializers.CharField(max_length=REASON_MAX)

    def validate_due_at(self, value):
        now = self.context.get("now") or timezone.now()
        due_before = self.context.get("due_before")
        if value <= now:
            raise serializers.ValidationError(_("The new due date must lie in the future."))
        if due_before is not None and value <= due_before:
            raise serializers.ValidationError(
                _("The new due date must be later than the current one (%(due)s).")
                % {"due": timezone.localtime(due_before).strftime("%Y-%m-%d %H:%M")}
            )
        if value > now + timedelta(days=settings.EXTENSION_MAX_DAYS):
            raise serializers.ValidationError(
                _("Ask for at most %(days)s days from now.") % {"days": settings.EXTENSION_MAX_DAYS}
            )
        return value


class ExtensionRefuseInput(serializers.Serializer):
    """Why the request is refused; the unit reads it."""

    reason = serializers.CharField(max_length=REASON_MAX)


class UrgeInput(serializers.Serializer):
    """A supervisor's urge (docs/urges.md): `note`, what is expected; `reply_by`, the reply
    deadline with its time zone, later than now and at most URGE_MAX_DAYS ahead."""

    note = serializers.CharField(max_length=REASON_MAX)
    reply_by = AwareDateTimeField()

    def validate_reply_by(self, value):
        now = self.context.get("now") or timezone.now()
        if value <= now:
            raise serializers.ValidationError(_("The reply deadline must lie in the future."))
        if value > now + timedelta(days=settings.URGE_MAX_DAYS):
            raise serializers.ValidationError(
                _("Give at most %(days)s days to reply.") % {"days": settings.URGE_MAX_DAYS}
            )
        return value


class UrgeReplyInput(serializers.Serializer):
    """The reply to an urge: what was done or will be; the supervisor reads it."""

    note = serializers.CharField(max_length=REASON_MAX)
# ---------------------------------------------------------------- summons (docs/summons.md)


class SummonInput(serializers.Serializer):
    """The `summon` transition (吹哨): `lead` and `co_units`, active units serving the case's
    community, none twice and the lead not among the co-units, at most SUMMONS_MAX_CO_UNITS
    co-units; `origin`, whose whistle (`street` only from a street supervisor); `reason`.
    `category`, `urgency`, `difficulty` as `classify` takes them; each is needed only when the
    case has none yet (context `case`, `actor`)."""

    lead = ServingUnitField()
    co_units = serializers.ListField(
        child=ServingUnitField(), required=False, default=list, max_length=100
    )
    origin = serializers.ChoiceField(choices=SummonsOrigin.choices)
    reason = serializers.CharField(max_length=REASON_MAX)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices, required=False, allow_null=True, default=None
    )
    difficulty = serializers.ChoiceField(
        choices=Difficulty.choices, required=False, allow_null=True, default=None
    )

    def validate_co_units(self, units):
        if len(units) > settings.SUMMONS_MAX_CO_UNITS:
            raise serializers.ValidationError(
                _("Summon at most %(max)s co-units.") % {"max": settings.SUMMONS_MAX_CO_UNITS}
            )
        if len({unit.pk for unit in units}) != len(units):
            raise serializers.ValidationError(_("Each co-unit may be named only once."))
        return units

    def validate_origin(self, origin):
        actor, case = self.context.get("actor"), self.context["case"]
        if (
            origin == SummonsOrigin.STREET
            and actor is not None
            and not actor.is_superuser
            and case.community_id not in actor.supervised_communities
        ):
            raise serializers.ValidationError(_("Only a street supervisor blows the street's whistle."))
        return origin

    def validate(self, attrs):
        case, errors = self.context["case"], {}
        if attrs["lead"].pk in {unit.pk for unit in attrs["co_units"]}:
            errors["co_units"] = [_("The lead unit cannot also be a co-unit.")]
        if attrs["category"] is None and case.category_id is None:
            errors["category"] = [_("Choose the case's category.")]
        if not attrs["difficulty"] and not case.difficulty:
            errors["difficulty"] = [_("Choose the case's difficulty.")]
        if errors:
            raise serializers.ValidationError(errors)
        # The classification in force, so the event carries it like `classify`'s does.
        attrs["category"] = attrs["category"] or case.category
        attrs["urgency"] = attrs["urgency"] or case.urgency
        attrs["difficulty"] = attrs["difficulty"] or case.difficulty
        return attrs


class CheckInInput(serializers.Serializer):
    """A summoned unit checks in (报到), naming who comes."""

    attendee = serializers.CharField(max_length=200)


class PartDoneInput(serializers.Serializer):
    """A co-unit records its part: what it did."""

    note = serializers.CharField(max_length=TEXT_MAX)


class PartCloseInput(serializers.Serializer):
    """The lead closes a co-unit's open part, saying why."""

    reason = serializers.CharField(max_length=REASON_MAX)
