"""The one writer of the case log: every CaseEvent is built here.

A transition's event is written by `casework.services.cases` (one case) and `cases_many`
(a batch, which builds the events and inserts them at once); a record that leaves the state
as it is (a ballot, the vote's close, minutes, a whistle) goes through `case_event_append`.
The case's version counts its changes, so it numbers the log too (docs/architecture.md).
"""

from datetime import datetime

from django.db import models

from workflows.actors import Actor

from ..models import Case, CaseEvent


def _json_value(value):
    if isinstance(value, Case):
        return value.reference
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


def event_build(
    *, case: Case, transition: str, from_state: str, actor: Actor, at: datetime, payload: dict
) -> CaseEvent:
    """The event of the change just made to `case` (its version already bumped), unsaved.
    Model instances in the payload become their id (cases their reference) and times
    ISO 8601, so the log stays plain JSON."""
    return CaseEvent(
        case=case,
        seq=case.version,
        transition=transition,
        from_state=from_state,
        to_state=case.state,
        actor_id=actor.user_id,
        at=at,
        payload={key: _json_value(value) for key, value in payload.items()},
    )


def event_write(**kwargs) -> CaseEvent:
    event = event_build(**kwargs)
    event.save(force_insert=True)
    return event


def case_event_append(
    *, case: Case, transition: str, actor: Actor, at: datetime, payload: dict
) -> CaseEvent:
    """A record on a case that does not move it; call with the case row locked. Bumps
    `version`, so a page built on the old version learns that the case has changed."""
    case.version += 1
    case.updated_at = at
    case.save(update_fields=["version", "updated_at"])
    return event_write(
        case=case, transition=transition, from_state=case.state, actor=actor, at=at,
        payload=payload,
    )
