"""Forms for the staff pages: they render fields and show the errors the services found.

They never validate: the page posts what the person typed to the service, which checks it
with `casework.inputs` like every other door. A form only keeps the typed values and
places each `Invalid.fields` message next to its field. (The breach board's filter is a
read, not a write: the shared `BreachFilter`, which validates like any filter form.)
"""

import django_filters
from django import forms
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from workflows.case_states import (
    STAFF_CHANNELS,
    CallbackChannel,
    Channel,
    Difficulty,
    Outcome,
    Satisfaction,
    Urgency,
)
from workflows.consultation_states import ABSTAIN, PARTIES, Mode
from workflows.summons_states import SummonsOrigin
from workflows.transitions import TRANSITIONS

from . import selectors
from .breach_filters import BreachFilter, month_valid
from .models import Party

# Channels a person can choose at intake: residents file `online` and `open311` themselves
# (casework.services.resident), and `api` is the API's.
PAGE_CHANNELS = [(value, label) for value, label in STAFF_CHANNELS if value != Channel.API]
CHOOSE = _("— choose —")


class DisplayForm(forms.Form):
    """A form that renders only; `errors` are the service's, never the form's own."""

    def __init__(self, *args, service_errors: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_errors = service_errors or {}

    def full_clean(self):
        self._errors = ErrorDict()
        self.cleaned_data = {}
        for name, messages in self.service_errors.items():
            field = name if name in self.fields else None
            self.add_error(field, forms.ValidationError(_flat(messages)))


def _flat(messages) -> list[str]:
    """A service's messages for one field; list fields nest them per item and key."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def _text(**attrs):
    return forms.TextInput(attrs=attrs)


def _area(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class CollectForm(DisplayForm):
    title = forms.CharField(label=_("Title"), max_length=200, widget=_text(autocomplete="off"))
    description = forms.CharField(label=_("What happened"), widget=_area(5))
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, empty_label=None)
    channel = forms.ChoiceField(label=_("Channel"), choices=PAGE_CHANNELS)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        help_text=_("Building, entrance, door number."),
        widget=_text(autocomplete="off"),
    )
    reporter_name = forms.CharField(
        label=_("Resident's name"), required=False, widget=_text(autocomplete="off")
    )
    reporter_phone = forms.CharField(
        label=_("Resident's phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("— not sure —")
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    public_consent = forms.BooleanField(
        label=_("The resident agreed to publication"),
        required=False,
        help_text=_(
            "Their concern then appears in the public Open311 feed, with phone numbers, ID "
            "numbers and their name masked."
        ),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = selectors.grids_for_intake(actor=actor)
        self.fields["category"].queryset = selectors.categories_active()


class TransitionForm(DisplayForm):
    """One transition on one case; posts the case's `version` so a stale page gets a conflict.
    Made by `transition_form`, which names the transition its spec offers it for."""

    heading = ""
    submit_label = ""
    danger = False

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, case, transition, **kwargs):
        self.transition = transition
        kwargs.setdefault("auto_id", f"{transition}-%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.case = case

    @classmethod
    def payload_from(cls, post):
        """What the page posts to the service: the fields as they came, for most forms."""
        return post


def transition_form(name: str, *args, case, **kwargs) -> TransitionForm:
    """The case page's form for transition `name` (its spec in `workflows.transitions`)."""
    return TRANSITIONS[name].form_class(*args, case=case, transition=name, **kwargs)


class ClassifyForm(TransitionForm):
    heading = _("Classify and assign")
    submit_label = _("Assign")

    category = forms.ModelChoiceField(label=_("Category"), queryset=None, empty_label=CHOOSE)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    difficulty = forms.ChoiceField(label=_("Difficulty"), choices=Difficulty.choices)
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=None, empty_label=CHOOSE)

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("category", case.category_id)
        kwargs["initial"].setdefault("urgency", case.urgency)
        super().__init__(*args, case=case, **kwargs)
        self.fields["category"].queryset = selectors.categories_active()
        self.fields["unit"].queryset = selectors.units_for_case(case=case)


class ResolveOnSpotForm(TransitionForm):
    heading = _("Settled on the spot")
    submit_label = _("Record as settled")

    result = forms.CharField(label=_("What was done"), widget=_area())


class AcceptForm(TransitionForm):
    heading = _("Accept (report for duty)")
    submit_label = _("Accept")


class ReturnForm(TransitionForm):
    heading = _("Return to the dispatcher")
    submit_label = _("Return")
    danger = True

    reason = forms.CharField(label=_("Reason"), widget=_area())


class ResolveForm(TransitionForm):
    heading = _("Report back")
    submit_label = _("Resolve")

    result = forms.CharField(label=_("What was done"), widget=_area())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)


class SuspendForm(TransitionForm):
    heading = _("Pause the resolve clock")
    submit_label = _("Suspend")

    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Who or what you are waiting for, e.g. the resident or a third party."),
        widget=_area(),
    )


class ResumeForm(TransitionForm):
    heading = _("Resume handling")
    submit_label = _("Resume")


class RateForm(TransitionForm):
    """Staff rate only as a callback (回访) for a resident who has not rated."""

    heading = _("Record a callback")
    submit_label = _("Record the callback")

    satisfaction = forms.ChoiceField(
        label=_("The resident's satisfaction"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("What the resident said"), widget=_area(2))
    channel = forms.ChoiceField(
        label=_("Reached by"), choices=CallbackChannel.choices, widget=forms.RadioSelect
    )
    called_at = forms.DateTimeField(
        label=_("Called at"),
        required=False,
        help_text=_("Beijing time; leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CloseForm(TransitionForm):
    heading = _("Close the case")
    submit_label = _("Close")


class ReopenForm(TransitionForm):
    heading = _("Reopen")
    submit_label = _("Reopen")
    danger = True

    reason = forms.CharField(label=_("Reason"), widget=_area())


class RejectForm(TransitionForm):
    heading = _("Reject")
    submit_label = _("Reject")
    danger = True

    reason = forms.CharField(label=_("Reason"), widget=_area())
    duplicate_of = forms.CharField(
        label=_("Duplicate of"),
        required=False,
        help_text=_("Reference of the original case, if this one repeats it."),
        widget=_text(placeholder="SS-YYYYMM-NNNNNN", autocomplete="off"),
    )


# ---------------------------------------------------------------- the six-party consultation

OPTION_ROWS = 5


class OptionRowsMixin:
    """Up to OPTION_ROWS plan options, each its text and, if the plan names one, the unit that
    would carry it out; posted as the service's `options` list."""

    def _option_rows_add(self, units):
        for n in range(1, OPTION_ROWS + 1):
            self.fields[f"option_{n}"] = forms.CharField(
                label=_("Option %(n)s") % {"n": n},
                required=n == 1,
                widget=_text(autocomplete="off"),
            )
            self.fields[f"option_{n}_unit"] = forms.ModelChoiceField(
                label=_("Unit for option %(n)s") % {"n": n},
                queryset=units,
                required=False,
                empty_label=_("— the unit already assigned —"),
            )

    def option_rows(self):
        return [(self[f"option_{n}"], self[f"option_{n}_unit"]) for n in range(1, OPTION_ROWS + 1)]

    @staticmethod
    def options_from(post) -> list[dict]:
        options = []
        for n in range(1, OPTION_ROWS + 1):
            text = (post.get(f"option_{n}") or "").strip()
            if text:
                options.append({"text": text, "unit": post.get(f"option_{n}_unit") or None})
        return options

    @classmethod
    def meeting_from(cls, post) -> dict:
        return {
            "place": post.get("place", ""),
            "starts_at": post.get("starts_at") or None,
            "options": cls.options_from(post),
        }


def _meeting_fields():
    return {
        "place": forms.CharField(
            label=_("Place"),
            required=False,
            help_text=_("For a meeting on site or in the hall."),
            widget=_text(autocomplete="off"),
        ),
        "starts_at": forms.DateTimeField(
            label=_("Meeting time"),
            required=False,
            help_text=_("For a meeting on site or in the hall."),
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        ),
    }


class EscalateForm(OptionRowsMixin, TransitionForm):
    heading = _("Take to a six-party consultation")
    submit_label = _("Open the consultation")

    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=Mode.choices,
        help_text=_("Small matters online, urgent ones on site, hard ones in the hall."),
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("mode", _mode_for(case.difficulty))
        super().__init__(*args, case=case, **kwargs)
        self.fields.update(_meeting_fields())
        self._option_rows_add(selectors.units_for_case(case=case))

    @classmethod
    def payload_from(cls, post) -> dict:
        return {"version": post.get("version"), "mode": post.get("mode", ""), **cls.meeting_from(post)}


def _mode_for(difficulty: str) -> str:
    return {Difficulty.SMALL: Mode.ONLINE, Difficulty.URGENT: Mode.ON_SITE}.get(difficulty, Mode.HALL)


class DecideForm(TransitionForm):
    heading = _("Decide the consultation")
    submit_label = _("Decide")

    option = forms.ChoiceField(label=_("Plan"), widget=forms.RadioSelect)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        consultation = case.consultations.order_by("-id").first()
        options = consultation.options.select_related("unit") if consultation else []
        self.fields["option"].choices = [
            (option.pk, f"{option.text} · {option.unit.name}" if option.unit else option.text)
            for option in options
        ]


class OptionsForm(OptionRowsMixin, DisplayForm):
    """Writing the options of a consultation the SLA engine opened."""

    def __init__(self, *args, consultation, **kwargs):
        kwargs.setdefault("auto_id", "options-%s")
        super().__init__(*args, **kwargs)
        self.fields.update(_meeting_fields())
        self._option_rows_add(selectors.units_for_case(case=consultation.case))


class BallotForm(DisplayForm):
    option = forms.ChoiceField(label=_("Your party's ballot"), widget=forms.RadioSelect)

    def __init__(self, *args, consultation, **kwargs):
        kwargs.setdefault("auto_id", "ballot-%s")
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [
            *((str(option.pk), option.text) for option in consultation.options.all()),
            (ABSTAIN, _("Abstain")),
        ]


class MinutesForm(DisplayForm):
    minutes = forms.CharField(label=_("Minutes"), widget=_area(6))
    present = forms.MultipleChoiceField(
        label=_("Parties present"),
        required=False,
        choices=[(party, Party(party).label) for party in PARTIES],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "minutes-%s")
        super().__init__(*args, **kwargs)



# ---------------------------------------------------------------- the breach board's filter


class BreachBoardFilter(BreachFilter):
    """The API's breach filters, so the page and the API narrow the list the same way;
    the page adds labels, a month picker, and unit and grid by name."""

    month = django_filters.CharFilter(
        method="filter_month",
        label=_("Month"),
        validators=[month_valid],
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(self, data, *, queryset, units, grids):
        super().__init__(data, queryset=queryset)
        # Filters build their form fields lazily from `label` and `extra`.
        page_fields = {
            "kind": (_("Clock"), {"empty_label": _("All clocks")}),
            "unit": (_("Unit"), {"widget": choices_select(_("All units"), units)}),
            "grid": (_("Grid"), {"widget": choices_select(_("All grids"), grids)}),
            "status": (_("Status"), {"empty_label": _("Open and acknowledged")}),
        }
        for name, (label, extra) in page_fields.items():
            self.filters[name].label = label
            self.filters[name].extra.update(extra)


def choices_select(everything, objects) -> forms.Select:
    return forms.Select(choices=[("", everything), *((obj.pk, str(obj)) for obj in objects)])


class NotificationPreferenceForm(DisplayForm):
    channels = forms.MultipleChoiceField(
        label=_("Also send my notifications by"),
        choices=[("sms", _("SMS")), ("wechat", _("WeChat")), ("email", _("e-mail"))],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
    )
    wechat_openid = forms.CharField(
        label=_("WeChat openid"), required=False, widget=_text(autocomplete="off")
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    @staticmethod
    def data_from(post) -> dict:
        """The posted form as the service reads it: every channel ticked, empty times none."""
        return {
            "channels": post.getlist("channels"),
            "phone": post.get("phone", ""),
            "wechat_openid": post.get("wechat_openid", ""),
            "quiet_start": post.get("quiet_start") or None,
            "quiet_end": post.get("quiet_end") or None,
        }


class ResidentExportForm(DisplayForm):
    phone = forms.CharField(
        label=_("Resident's phone number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )


# ---------------------------------------------------------------- extensions (docs/extensions.md)


class ExtensionAskForm(DisplayForm):
    """The unit asks for more time; the service checks the date and the reason."""

    heading = _("Ask for more time")
    submit_label = _("Ask for more time")

    due_at = forms.DateTimeField(
        label=_("New due date"),
        help_text=_("Beijing time; later than the current due date."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Why the case needs longer, e.g. parts on order or the owner away."),
        widget=_area(),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "extension-%s")
        super().__init__(*args, **kwargs)

    @staticmethod
    def payload_from(post) -> dict:
        """A datetime-local field posts Beijing time without its offset: add it."""
        due_at = post.get("due_at", "")
        parsed = parse_datetime(due_at) if len(due_at) < 64 else None
        if parsed is not None and timezone.is_naive(parsed):
            due_at = timezone.make_aware(parsed).isoformat()
        return {"due_at": due_at, "reason": post.get("reason", "")}


class ExtensionRefuseForm(DisplayForm):
    submit_label = _("Refuse")

    reason = forms.CharField(label=_("Why it is refused"), widget=_area(2))

    def __init__(self, *args, extension, **kwargs):
        kwargs.setdefault("auto_id", f"refuse-{extension.pk}-%s")
        super().__init__(*args, **kwargs)
        self.extension = extension


# ---------------------------------------------------------------- urges (docs/urges.md)


class UrgeForm(DisplayForm):
    """The supervisor urges the case; the service checks the deadline and the note."""

    heading = _("Urge this case")
    submit_label = _("Urge")

    note = forms.CharField(
        label=_("Note"),
        help_text=_("What you expect, e.g. a date for the repair or who to call."),
        widget=_area(),
    )
    reply_by = forms.DateTimeField(
        label=_("Reply by"),
        help_text=_("Beijing time; later than now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "urge-%s")
        super().__init__(*args, **kwargs)

    @staticmethod
    def payload_from(post) -> dict:
        """A datetime-local field posts Beijing time without its offset: add it."""
        reply_by = post.get("reply_by", "")
        parsed = parse_datetime(reply_by) if len(reply_by) < 64 else None
        if parsed is not None and timezone.is_naive(parsed):
            reply_by = timezone.make_aware(parsed).isoformat()
        return {"note": post.get("note", ""), "reply_by": reply_by}


class UrgeReplyForm(DisplayForm):
    submit_label = _("Reply")

    note = forms.CharField(label=_("Your reply"), widget=_area(3))

    def __init__(self, *args, urge, **kwargs):
        kwargs.setdefault("auto_id", f"urge-reply-{urge.pk}-%s")
        super().__init__(*args, **kwargs)
        self.urge = urge
# ---------------------------------------------------------------- summons (docs/summons.md)


class SummonForm(TransitionForm):
    """The multi-unit dispatch (吹哨): a lead, any co-units, whose whistle and why; the
    case's category, urgency and difficulty as `classify` takes them."""

    heading = _("Summon units (吹哨)")
    submit_label = _("Summon")

    lead = forms.ModelChoiceField(label=_("Lead unit"), queryset=None, empty_label=CHOOSE)
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-units"),
        queryset=None,
        required=False,
        help_text=_("Units that help the lead unit; each checks in and records its part."),
        widget=forms.CheckboxSelectMultiple,
    )
    origin = forms.ChoiceField(label=_("Whose whistle"), choices=SummonsOrigin.choices)
    reason = forms.CharField(label=_("Reason"), widget=_area())
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, empty_label=CHOOSE)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    difficulty = forms.ChoiceField(label=_("Difficulty"), choices=Difficulty.choices)

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("category", case.category_id)
        kwargs["initial"].setdefault("urgency", case.urgency)
        kwargs["initial"].setdefault("difficulty", case.difficulty or None)
        kwargs["initial"].setdefault("origin", SummonsOrigin.COMMUNITY)
        super().__init__(*args, case=case, **kwargs)
        units = selectors.units_for_case(case=case)
        self.fields["lead"].queryset = units
        self.fields["co_units"].queryset = units
        self.fields["category"].queryset = selectors.categories_active()

    @classmethod
    def payload_from(cls, post) -> dict:
        """The co-units come as a repeated field."""
        return {
            **{key: post.get(key, "") for key in ("lead", "origin", "reason", "category",
                                                   "urgency", "difficulty")},
            "co_units": post.getlist("co_units"),
        }


class CheckInForm(DisplayForm):
    submit_label = _("Check in")

    attendee = forms.CharField(
        label=_("Who comes"), help_text=_("Name and phone of the person your unit sends."),
        max_length=200,
    )

    def __init__(self, *args, summons, **kwargs):
        kwargs.setdefault("auto_id", f"check-in-{summons.pk}-%s")
        super().__init__(*args, **kwargs)
        self.summons = summons


class PartDoneForm(DisplayForm):
    submit_label = _("Our part is done")

    note = forms.CharField(label=_("What your unit did"), widget=_area(2))

    def __init__(self, *args, summons, **kwargs):
        kwargs.setdefault("auto_id", f"part-done-{summons.pk}-%s")
        super().__init__(*args, **kwargs)
        self.summons = summons


class PartCloseForm(DisplayForm):
    submit_label = _("Close this part")

    reason = forms.CharField(label=_("Why you close it"), widget=_area(2))

    def __init__(self, *args, summons, **kwargs):
        kwargs.setdefault("auto_id", f"part-close-{summons.pk}-%s")
        super().__init__(*args, **kwargs)
        self.summons = summons
