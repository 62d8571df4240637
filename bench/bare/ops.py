"""The baseline's writes: what a transition needs at the least, in the plain ORM."""

from django.db import transaction
from django.utils import timezone

from .models import Case, Event

# name: (source state, target state), the project's classify → accept → resolve path.
TRANSITIONS = {
    "classify": ("collected", "classified"),
    "accept": ("classified", "handling"),
    "resolve": ("handling", "evaluating"),
}


class Conflict(Exception):
    pass


def case_create(*, payload: dict) -> Case:
    with transaction.atomic():
        case = Case.objects.create()
        Event.objects.create(case=case, seq=1, transition="collect", from_state="",
                             to_state=case.state, at=timezone.now(), payload=payload)
    return case


def case_transition(*, case_id: int, name: str, version: int, payload: dict) -> Case:
    """Lock, check, UPDATE state and version, INSERT the event: one transaction."""
    source, target = TRANSITIONS[name]
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.version != version or case.state != source:
            raise Conflict(f"case {case_id} is {case.state} v{case.version}")
        case.state, case.version = target, case.version + 1
        case.save(update_fields=["state", "version"])
        Event.objects.create(case=case, seq=case.version, transition=name, from_state=source,
                             to_state=target, at=timezone.now(), payload=payload)
    return case
