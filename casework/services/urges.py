"""Urging (督办/催办, docs/urges.md): a street supervisor urges an open case with a note and
a reply deadline; those who owe the case's next step reply once, which stops the `urge`
clock. Unanswered by the deadline, the sweep records an `urge` breach (docs/sla.md).

Each step locks the case row first (like every case write), changes the urge, appends its
event to the case log and tells the other side, in one transaction.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows.actors import Actor
from workflows.case_permissions import is_dispatcher
from workflows.case_states import State
from workflows.sla_rules import TimerKind

from ..errors import Conflict, Forbidden, NotFound
from ..inputs import UrgeInput, UrgeReplyInput, validated
from ..models import Case, Notification, Urge
from ..selectors import case_scope_q
from .case_events import case_event_append
from .notifications import community_dispatchers, notify, unit_members
from .sla_timers import timer_start_due, timer_stop

# The states in which a case may be urged: open, and not waiting on the resident.
URGEABLE = (State.COLLECTED, State.CLASSIFIED, State.HANDLING, State.CONSULTATION)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def may_urge(case: Case, actor: Actor) -> bool:
    """A supervisor of the case's street, or a superuser."""
    return actor.is_superuser or case.community_id in actor.supervised_communities


def owed_by(case: Case, urge: Urge) -> list[int]:
    """Who must reply: the unit's members, or the community's dispatchers if it had none."""
    if urge.unit_id is not None:
        return unit_members(urge.unit_id)
    return community_dispatchers(case)


def may_reply(case: Case, urge: Urge, actor: Actor) -> bool:
    """Those urged; and the case's unit now, should it have been handed to another since
    (the unit urged no longer sees the case, and the urge must not stay open for good)."""
    if actor.is_superuser:
        return True
    if urge.unit_id is None:
        return is_dispatcher(case, actor) or (case.unit_id is not None and case.unit_id in actor.units)
    return urge.unit_id in actor.units or (case.unit_id is not None and case.unit_id in actor.units)


def urgeable(case: Case, actor: Actor) -> bool:
    """What the case page offers: the supervisor may urge now (the service checks again)."""
    return (
        case.state in URGEABLE
        and may_urge(case, actor)
        and not case.urges.filter(state=Urge.State.OPEN).exists()
    )


def _case_locked(*, actor: Actor, reference: str | None = None, case_id: int | None = None) -> Case:
    cases = Case.objects.select_for_update(of=("self",))
    if reference is not None:
        cases = cases.filter(case_scope_q(actor), reference=reference)
    else:
        cases = cases.filter(pk=case_id)
    case = cases.first()
    if case is None:
        raise NotFound()
    return case


def urge_create(*, actor: Actor, reference: str, data) -> Urge:
    """The supervisor urges the case: the urge clock starts, due at `reply_by`."""
    now = timezone.now()
    with transaction.atomic():
        case = _case_locked(actor=actor, reference=reference)
        if not may_urge(case, actor):
            raise Forbidden(_("Only a supervisor of the case's street urges it."))
        if case.state not in URGEABLE:
            raise Conflict(
                _("Only an open case can be urged, not one that is %(state)s.")
                % {"state": case.get_state_display()},
                code="invalid_state",
            )
        if case.urges.filter(state=Urge.State.OPEN).exists():
            raise Conflict(
                _("This case has been urged already and the reply is still awaited."),
                code="urge_open",
            )
        clean = validated(UrgeInput, data, now=now)
        urge = Urge.objects.create(
            case=case,
            urged_by_id=actor.user_id,
            urged_at=now,
            note=clean["note"],
            reply_by=clean["reply_by"],
            unit_id=case.unit_id,
        )
        timer_start_due(case=case, kind=TimerKind.URGE, at=now, due=urge.reply_by)
        case_event_append(
            case=case,
            transition="urged",
            actor=actor,
            at=now,
            payload={
                "urge": urge.pk,
                "unit": urge.unit_id,
                "reply_by": urge.reply_by,
                "note": urge.note,
            },
        )
        with translation.override(settings.LANGUAGE_CODE):  # the office's language
            message = _("%(reference)s: the street supervisor urges you; reply by %(due)s.") % {
                "reference": case.reference, "due": _when(urge.reply_by)
            }
        notify(
            user_ids=owed_by(case, urge), case=case, kind=Notification.Kind.URGE, message=message
        )
    return urge


def urge_reply(*, actor: Actor, urge_id: int, data) -> Urge:
    """Those who owe the reply answer the urge once; its clock stops. A reply after the
    deadline still answers it, and the breach already recorded stays."""
    now = timezone.now()
    with transaction.atomic():
        found = Urge.objects.filter(
            pk=urge_id, case__in=Case.objects.filter(case_scope_q(actor))
        ).values_list("case_id", flat=True).first()
        if found is None:
            raise NotFound()
        case = _case_locked(actor=actor, case_id=found)
        urge = Urge.objects.select_for_update().get(pk=urge_id)
        if not may_reply(case, urge, actor):
            raise Forbidden(_("Only those who were urged reply to this urge."))
        if urge.state != Urge.State.OPEN:
            raise Conflict(_("This urge has been answered already."), code="urge_answered")
        clean = validated(UrgeReplyInput, data)
        urge.state = Urge.State.ANSWERED
        urge.answered_by_id = actor.user_id
        urge.answered_at = now
        urge.reply = clean["note"]
        urge.save(update_fields=["state", "answered_by", "answered_at", "reply"])
        timer_stop(case=case, kind=TimerKind.URGE, at=now)
        case_event_append(
            case=case,
            transition="urge_answered",
            actor=actor,
            at=now,
            payload={"urge": urge.pk, "note": urge.reply, "late": now > urge.reply_by},
        )
        with translation.override(settings.LANGUAGE_CODE):
            message = _("%(reference)s: your urge has been answered.") % {
                "reference": case.reference
            }
        notify(user_ids=[urge.urged_by_id], case=case, kind=Notification.Kind.URGE, message=message)
    return urge
