"""Case intake and transitions (docs/states.md).

Every change: lock the case, check version, state, permission and condition as the
transition's spec says (`workflows.transitions`), validate input, apply, bump `version`,
write the CaseEvent, move the clocks and record what the transition opens or settles beyond
the case row (the consultation) — all in one transaction.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from workflows.actors import Actor
from workflows.case_permissions import may_collect
from workflows.transitions import TRANSITIONS

from ..errors import Conflict, Forbidden, NotFound
from ..inputs import CollectInput, DoorCollectInput, VersionInput, validated
from ..models import Case
from ..selectors import case_scope_q, latest_consultation_id
from .case_events import event_write
from .references import reference_next
from .sla_timers import timers_apply


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
        # A new case has no clocks and no consultation: readers need not ask.
        case.open_timers, case.current_consultation_id = [], None
        event_write(
            case=case,
            transition="collect",
            from_state="",
            actor=actor,
            at=now,
            payload={
                k: clean[k] for k in ("channel", "grid", "category", "urgency", "public_consent")
            },
        )
    return case


def transition_checked(
    case: Case, *, actor: Actor, name: str, payload: dict, version: int, now
) -> tuple[str, dict, list[str]]:
    """Every check of a transition on a locked case, then the change in memory: returns the
    state it left, the clean input and the fields that changed (nothing is saved yet).
    Shared by `case_transition` and `case_transition_many`, so both doors apply one rule."""
    spec = TRANSITIONS[name]
    if case.version != version:
        raise Conflict(
            _("The case was changed by someone else (version %(current)s, you sent %(sent)s).")
            % {"current": case.version, "sent": version},
            code="stale_version",
        )
    if case.state not in spec.sources:
        raise Conflict(
            _("You cannot %(name)s a case that is %(state)s.")
            % {"name": spec.verb, "state": case.get_state_display()},
            code="invalid_state",
        )
    if not spec.may(case, actor):
        raise Forbidden(_("You may not %(name)s this case.") % {"name": spec.verb})
    # The system may skip a few conditions (the evaluation day closes cases left unrated);
    # everyone else must meet them.
    if not (actor.is_system and spec.system_skips_condition) and not spec.condition_holds(case):
        raise Conflict(spec.condition_failed, code=spec.condition_code)
    clean = validated(spec.input_class, payload, case=case, actor=actor, now=now)
    from_state = case.state
    getattr(case, spec.method_name)(**clean)
    case.version += 1
    case.updated_at = now
    return from_state, clean, ["state", "version", "updated_at", *spec.fields_set]


def transition_effects(case: Case, *, name: str, clean: dict, actor: Actor, now) -> None:
    """What follows a transition's save in its transaction: the clocks, and the record it
    writes beyond the case row."""
    spec = TRANSITIONS[name]
    timers_apply(case=case, timers=spec.timers, at=now)
    if spec.record is not None:
        spec.record_function(case=case, data=clean, actor=actor, at=now)


def _locked(*, actor: Actor, case_id: int | None, reference: str | None) -> Case:
    """The case row, locked. By `reference` (the API) only within the actor's scope (404
    outside it), so one statement finds and locks the case; it then carries its latest
    consultation's id for the answer, as the list selectors' cases do."""
    cases = Case.objects.select_for_update(of=("self",))
    if reference is not None:
        cases = cases.filter(case_scope_q(actor), reference=reference).annotate(
            current_consultation_id=latest_consultation_id()
        )
    else:
        cases = cases.filter(pk=case_id)
    case = cases.first()
    if case is None:
        raise NotFound()
    return case


def case_transition(
    *,
    actor: Actor,
    name: str,
    payload: dict,
    version: int | None,
    case_id: int | None = None,
    reference: str | None = None,
) -> Case:
    """Run transition `name` on the case (by id, or by reference within the actor's scope);
    raise a DomainError and change nothing otherwise."""
    if name not in TRANSITIONS:
        raise NotFound(_("Unknown transition “%(name)s”.") % {"name": name})
    version = validated(VersionInput, {} if version is None else {"version": version})["version"]
    now = timezone.now()
    with transaction.atomic():
        # Lock first: two people may act on one case at once; the second waits, then sees
        # the bumped version and gets a clean 409.
        case = _locked(actor=actor, case_id=case_id, reference=reference)
        from_state, clean, changed = transition_checked(
            case, actor=actor, name=name, payload=payload, version=version, now=now
        )
        try:
            case.save(update_fields=changed)
        except ConcurrentTransition as exc:  # the row lock should make this unreachable
            raise Conflict(code="stale_version") from exc
        event_write(
            case=case, transition=name, from_state=from_state, actor=actor, at=now, payload=clean
        )
        transition_effects(case, name=name, clean=clean, actor=actor, now=now)
    return case
