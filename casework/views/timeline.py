"""The case page's timeline: each CaseEvent as who, when, what and its details in words."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.case_states import (
    CallbackChannel,
    Channel,
    Difficulty,
    Outcome,
    RatingSource,
    Satisfaction,
    State,
    Urgency,
)
from workflows.consultation_states import ABSTAIN, Mode
from workflows.sla_rules import TimerKind
from workflows.transitions import EVENT_KINDS

from ..models import CaseEvent, Category, ConsultationOption, Grid, Party, Unit
from ..people import person_name

class BallotChoice(models.TextChoices):
    ABSTAIN = ABSTAIN, _("Abstain")

# Payload key → its label and, for choices, the enumeration that names its values.
DETAIL_LABELS = {
    "channel": (_("Channel"), Channel),
    "grid": (_("Grid"), None),
    "category": (_("Category"), None),
    "urgency": (_("Urgency"), Urgency),
    "difficulty": (_("Difficulty"), Difficulty),
    "unit": (_("Handling unit"), None),
    "result": (_("What was done"), None),
    "outcome": (_("Outcome"), Outcome),
    "reason": (_("Reason"), None),
    "satisfaction": (_("Satisfaction"), Satisfaction),
    "comment": (_("Comment"), None),
    "source": (_("Rating from"), RatingSource),
    "called_at": (_("Called at"), None),
    "duplicate_of": (_("Duplicate of"), None),
    "public_consent": (_("The resident agreed to publication"), None),
    "clock": (_("Clock"), TimerKind),
    "due_at": (_("Was due"), None),
    "due_before": (_("Due before"), None),
    # A supervisor's urge and its reply (docs/urges.md).
    "note": (_("Note"), None),
    "reply_by": (_("Reply by"), None),
    "late": (_("Replied after the deadline"), None),
    # The evaluation day's closes and reopens (docs/evaluation.md#settlement).
    "unrated": (_("Closed without a rating"), None),
    "evaluation": (_("Evaluation period"), None),
    # The six-party consultation (docs/consultation.md).
    "mode": (_("Mode"), Mode),
    "options": (_("Options"), None),
    "place": (_("Place"), None),
    "starts_at": (_("Meeting time"), None),
    "party": (_("Party"), Party),
    "option": (_("Option"), BallotChoice),
    "changed": (_("Changed"), None),
    "winner": (_("Winning plan"), None),
    "present": (_("Parties present"), None),
}
# Where a transition's payload key means something else than elsewhere: a callback's
# `channel` is how the resident was reached, not how the case came in.
TRANSITION_DETAIL_LABELS = {
    "rate": {"channel": (_("Reached by"), CallbackChannel)},
    # An extension's `due_at` is the date asked for (docs/extensions.md).
    **{
        name: {"due_at": (_("New due date"), None)}
        for name in ("extension_asked", "extension_granted", "extension_refused")
    },
}
# Payload keys holding an id, and the model it points at.
DETAIL_MODELS = {
    "grid": Grid,
    "category": Category,
    "unit": Unit,
    "option": ConsultationOption,
    "winner": ConsultationOption,
}
# Payload keys holding an ISO 8601 time, shown in the local time like the event's own.
DETAIL_TIMES = {"due_at", "due_before", "starts_at", "called_at", "reply_by"}
# Payload keys holding lists, and how to put them in words.
DETAIL_LISTS = {
    "options": lambda options: "; ".join(
        option["text"] if isinstance(option, dict) else str(option) for option in options
    ),
    "present": lambda parties: ", ".join(
        str(Party(party).label) if party in Party.values else party for party in parties
    ),
}
# Payload keys for the record, not for the timeline (the consultation page shows them).
# (`plan` repeats the chosen option's text, which `option` already shows.)
DETAIL_HIDDEN = {"consultation", "ballots", "tally", "plan", "extension", "urge"}


def _label(name: str) -> str:
    kind = EVENT_KINDS.get(name)
    return kind.label if kind is not None else name


@dataclass
class TimelineEntry:
    seq: int
    transition: str
    label: str
    at: object
    who: str
    to_state: str
    to_state_label: str
    details: list[tuple[str, object]] = field(default_factory=list)


def timeline(events: list[CaseEvent]) -> list[TimelineEntry]:
    names = _names_for(events)
    entries = []
    for event in events:
        entries.append(
            TimelineEntry(
                seq=event.seq,
                transition=event.transition,
                label=_label(event.transition),
                at=event.at,
                who=_who(event),
                to_state=event.to_state,
                to_state_label=_state_label(event.to_state),
                details=_details(event.payload or {}, names, event.transition),
            )
        )
    return entries


def _names_for(events) -> dict[tuple[str, object], str]:
    """Look up every id the payloads mention, one query per kind."""
    wanted: dict[str, set] = {key: set() for key in DETAIL_MODELS}
    for event in events:
        for key in DETAIL_MODELS:
            value = (event.payload or {}).get(key)
            if isinstance(value, int):
                wanted[key].add(value)
    names = {}
    for key, model in DETAIL_MODELS.items():
        if not wanted[key]:
            continue
        objects = model.objects.filter(pk__in=wanted[key])
        if model is Category:
            objects = objects.select_related("parent")
        names.update({(key, obj.pk): str(obj) for obj in objects})
    return names


def _details(payload: dict, names: dict, transition: str = "") -> list[tuple[str, object]]:
    details = []
    labels = {**DETAIL_LABELS, **TRANSITION_DETAIL_LABELS.get(transition, {})}
    for key, value in payload.items():
        if value is None or value == "" or value is False or key in DETAIL_HIDDEN:
            continue
        label, choices = labels.get(key, (key, None))
        if value is True:
            value = _("yes")
        elif choices is not None and value in choices.values:
            value = choices(value).label
        elif key in DETAIL_MODELS:
            value = names.get((key, value), value)
        elif key in DETAIL_TIMES:
            value = _local_time(value)
        elif key in DETAIL_LISTS:
            value = DETAIL_LISTS[key](value)
        details.append((label, value))
    return details


def _local_time(value):
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    if timezone.is_naive(moment):
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _who(event: CaseEvent) -> str:
    if event.actor is None:
        # Without a user, only the residents' doors file (channel online/open311) and rate.
        resident_filed = event.transition == "collect" and (event.payload or {}).get(
            "channel"
        ) in (Channel.ONLINE, Channel.OPEN311)
        if resident_filed or event.transition == "rate":
            return str(_("Resident"))
        return str(_("System"))
    return person_name(event.actor)


def _state_label(state: str) -> str:
    return State(state).label if state in State.values else state
