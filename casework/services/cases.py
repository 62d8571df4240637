"""Case intake and transitions (DESIGN.md §3).

Every change: lock the case, check version, state and permission, validate input, apply,
bump `version`, write the CaseEvent, move the clocks and record what the transition opens
or settles beyond the case row (the consultation) — all in one transaction.
"""

from datetime import datetime

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from workflows.actors import Actor
from workflows.case_lifecycle import (
    CONDITION_CODES,
    CONDITION_FAILED,
    SYSTEM_SKIPS_CONDITIONS,
    TRANSITION_METHODS,
    TRANSITION_VERBS,
    may_collect,
    transition_apply,
)

from ..errors import Conflict, Forbidden, NotFound
from ..inputs import TRANSITION_INPUTS, CollectInput, DoorCollectInput, VersionInput, validated
from ..models import Case, CaseEvent
from .consultations import consultation_decision_record, consultation_open
from .references import reference_next
from .sla_timers import timers_apply

# What a transition records beyond the case row, inside its transaction.
TRANSITION_RECORDS = {
    "escalate": consultation_open,
    "decide": consultation_decision_record,
}


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


def _json_payload(data: dict) -> dict:
    """Model instances become their id (cases their reference) and times ISO 8601, so the
    log stays plain JSON."""
    return {key: _json_value(value) for key, value in data.items()}


def _may_run(method, actor: Actor) -> bool:
    """The transition's permission alone. django-fsm's has_transition_perm also demands the
    conditions, which would tell a dispatcher closing an unrated case "not allowed" (403)
    instead of "rate it first" (409)."""
    meta = method._django_fsm
    case = method.__self__
    return meta.has_transition_perm(case, meta.field.get_state(case), actor)


def _event_write(*, case: Case, transition: str, from_state: str, actor: Actor, at, payload):
    # The case's version counts its changes, so it numbers the log too.
    return CaseEvent.objects.create(
        case=case,
        seq=case.version,
        transition=transition,
        from_state=from_state,
        to_state=case.state,
        actor_id=actor.user_id,
        at=at,
        payload=payload,
    )


def case_collect(*, actor: Actor, data: dict, channel: str | None = None) -> Case:
    """File a new case. `channel` overrides the caller's choice for doors that fix it; only
    such a door (the residents': casework.services.resident) may set a resident channel,
    while staff choose among the others and may record the resident's `public_consent`."""
    if channel is not None:
        data = {**data, "channel": channel}
    clean = validated(DoorCollectInput if channel is not None else CollectInput, data)
    grid = clean["grid"]
    if not may_collect(actor, grid_id=grid.pk, community_id=grid.community_id):
        raise Forbidden(_("You may not file cases for this grid."))
    now = timezone.now()
    with transaction.atomic():
        case = Case(
            reference=reference_next(at=now),
            title=clean["title"],
            description=clean["description"],
            channel=clean["channel"],
            grid=grid,
            community_id=grid.community_id,
            address=clean["address"],
            lat=None if clean["lat"] is None else round(clean["lat"], 6),
            long=None if clean["long"] is None else round(clean["long"], 6),
            reporter_name=clean["reporter_name"],
            reporter_phone=clean["reporter_phone"],
            category=clean["category"],
            urgency=clean["urgency"],
            public_consent=clean["public_consent"],
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        case.save()
        _event_write(
            case=case,
            transition="collect",
            from_state="",
            actor=actor,
            at=now,
            payload=_json_payload(
                {
                    k: clean[k]
                    for k in ("channel", "grid", "category", "urgency", "public_consent")
                }
            ),
        )
    return case


def transition_checked(
    case: Case, *, actor: Actor, name: str, payload: dict, version: int, now
) -> tuple[str, dict, list[str]]:
    """Every check of a transition on a locked case, then the change in memory: returns the
    state it left, the clean input and the fields that changed (nothing is saved yet).
    Shared by `case_transition` and `case_transition_many`, so both doors apply one rule."""
    if case.version != version:
        raise Conflict(
            _("The case was changed by someone else (version %(current)s, you sent %(sent)s).")
            % {"current": case.version, "sent": version},
            code="stale_version",
        )
    method = getattr(case, TRANSITION_METHODS[name])
    if not can_proceed(method, check_conditions=False):
        raise Conflict(
            _("You cannot %(name)s a case that is %(state)s.")
            % {"name": TRANSITION_VERBS[name], "state": case.get_state_display()},
            code="invalid_state",
        )
    if not _may_run(method, actor):
        raise Forbidden(_("You may not %(name)s this case.") % {"name": TRANSITION_VERBS[name]})
    # The system may skip the conditions of a few transitions (the evaluation day closes
    # cases left unrated); everyone else must meet them.
    skips = actor.is_system and name in SYSTEM_SKIPS_CONDITIONS
    if not skips and not can_proceed(method):
        raise Conflict(CONDITION_FAILED[name], code=CONDITION_CODES.get(name, "condition_failed"))
    clean = validated(TRANSITION_INPUTS[name], payload, case=case, actor=actor, now=now)
    from_state = case.state
    before = {f.attname: getattr(case, f.attname) for f in case._meta.concrete_fields}
    transition_apply(case, TRANSITION_METHODS[name], skip_conditions=skips, **clean)
    case.version += 1
    case.updated_at = now
    changed = [
        f.attname
        for f in case._meta.concrete_fields
        if getattr(case, f.attname) != before[f.attname]
    ]
    return from_state, clean, changed


def case_transition(
    *, actor: Actor, case_id: int, name: str, payload: dict, version: int | None
) -> Case:
    """Run transition `name` on the case; raise a DomainError and change nothing otherwise."""
    if name not in TRANSITION_METHODS:
        raise NotFound(_("Unknown transition “%(name)s”.") % {"name": name})
    version = validated(VersionInput, {} if version is None else {"version": version})["version"]
    now = timezone.now()
    with transaction.atomic():
        # Lock first: two people may act on one case at once; the second waits, then sees
        # the bumped version and gets a clean 409.
        case = Case.objects.select_for_update().get(pk=case_id)
        from_state, clean, changed = transition_checked(
            case, actor=actor, name=name, payload=payload, version=version, now=now
        )
        try:
            case.save(update_fields=changed)
        except ConcurrentTransition as exc:  # the row lock should make this unreachable
            raise Conflict(code="stale_version") from exc
        _event_write(
            case=case,
            transition=name,
            from_state=from_state,
            actor=actor,
            at=now,
            payload=_json_payload(clean),
        )
        timers_apply(case=case, transition=name, at=now)
        if name in TRANSITION_RECORDS:
            TRANSITION_RECORDS[name](case=case, data=clean, actor=actor, at=now)
    return case

