"""Extension requests (延期, docs/extensions.md): the handling unit asks for a later resolve
due date, the approver grants or refuses it once.

Each step locks the case row first (like every case write), changes the request, appends
its event to the case log and tells the other side, in one transaction.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.actors import Actor
from workflows.case_permissions import is_assigned_unit_member, is_dispatcher
from workflows.case_states import Difficulty, State
from workflows.sla_rules import TimerKind

from ..errors import Conflict, Forbidden, NotFound
from ..inputs import ExtensionAskInput, ExtensionRefuseInput, validated
from ..models import Case, Extension, Notification
from ..selectors import case_scope_q
from .case_events import case_event_append
from .notifications import community_dispatchers, notify, street_supervisors, unit_members
from .sla_timers import open_timer, open_timer_due, timer_due_move


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def approvers_of(case: Case) -> list[int]:
    """Who decides: the community's dispatchers; the street's supervisors for a hard case."""
    if case.difficulty == Difficulty.HARD:
        return street_supervisors(case)
    return community_dispatchers(case)


def may_decide(case: Case, actor: Actor) -> bool:
    if actor.is_superuser:
        return True
    if case.difficulty == Difficulty.HARD:
        return case.community_id in actor.supervised_communities
    return is_dispatcher(case, actor)


def may_ask(case: Case, actor: Actor) -> bool:
    return is_assigned_unit_member(case, actor)


def extensions_counted(case: Case) -> int:
    """Granted and pending requests: what EXTENSIONS_MAX limits."""
    return case.extensions.filter(
        state__in=[Extension.State.ASKED, Extension.State.GRANTED]
    ).count()


def extension_askable(case: Case, actor: Actor) -> bool:
    """What the case page offers: the unit may ask now (the service checks it all again)."""
    return (
        case.state == State.HANDLING
        and may_ask(case, actor)
        and not case.extensions.filter(state=Extension.State.ASKED).exists()
        and extensions_counted(case) < settings.EXTENSIONS_MAX
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


def extension_ask(*, actor: Actor, reference: str, data) -> Extension:
    """A member of the case's unit asks for `due_at` instead of the resolve clock's due date."""
    now = timezone.now()
    with transaction.atomic():
        case = _case_locked(actor=actor, reference=reference)
        timer = open_timer(case, TimerKind.RESOLVE)
        if case.state != State.HANDLING or timer is None:
            raise Conflict(
                _("More time can be asked for only while the case is being handled."),
                code="invalid_state",
            )
        if not may_ask(case, actor):
            raise Forbidden(_("Only the handling unit asks for more time on this case."))
        if case.extensions.filter(state=Extension.State.ASKED).exists():
            raise Conflict(
                _("A request for more time on this case awaits a decision already."),
                code="extension_pending",
            )
        if extensions_counted(case) >= settings.EXTENSIONS_MAX:
            raise Conflict(
                _("This case has had as many extensions as it may (%(max)s).")
                % {"max": settings.EXTENSIONS_MAX},
                code="extension_limit",
            )
        due_before = open_timer_due(timer)
        clean = validated(ExtensionAskInput, data, now=now, due_before=due_before)
        extension = Extension.objects.create(
            case=case,
            unit_id=case.unit_id,
            asked_by_id=actor.user_id,
            asked_at=now,
            due_before=due_before,
            due_at=clean["due_at"],
            reason=clean["reason"],
        )
        case_event_append(
            case=case,
            transition="extension_asked",
            actor=actor,
            at=now,
            payload={
                "extension": extension.pk,
                "due_before": due_before,
                "due_at": extension.due_at,
                "reason": extension.reason,
            },
        )
        with translation.override(settings.LANGUAGE_CODE):  # the office's language
            message = _("%(reference)s: the unit asks for more time, until %(due)s.") % {
                "reference": case.reference, "due": _when(extension.due_at)
            }
        notify(
            user_ids=approvers_of(case), case=case, kind=Notification.Kind.EXTENSION, message=message
        )
    return extension


def _decidable(*, actor: Actor, extension_id: int) -> tuple[Case, Extension]:
    """The case (locked first) and the request, checked for the approver."""
    found = Extension.objects.filter(
        pk=extension_id, case__in=Case.objects.filter(case_scope_q(actor))
    ).values_list("case_id", flat=True).first()
    if found is None:
        raise NotFound()
    case = _case_locked(actor=actor, case_id=found)
    extension = Extension.objects.select_for_update().get(pk=extension_id)
    if not may_decide(case, actor):
        if case.difficulty == Difficulty.HARD:
            raise Forbidden(_("A street supervisor decides on more time for a hard case."))
        raise Forbidden(_("The community's dispatcher decides on more time for this case."))
    if extension.asked_by_id == actor.user_id or case.unit_id in actor.units:
        raise Forbidden(_("You cannot decide on your own unit's request."))
    if extension.state != Extension.State.ASKED:
        raise Conflict(
            _("This request was decided already: %(state)s.")
            % {"state": extension.get_state_display()},
            code="extension_decided",
        )
    return case, extension


def _tell_unit(case: Case, extension: Extension, message, **values) -> None:
    """`message` lazy, written in the office's language whoever decided."""
    with translation.override(settings.LANGUAGE_CODE):
        message = str(message) % values
    notify(
        user_ids=unit_members(extension.unit_id),
        case=case,
        kind=Notification.Kind.EXTENSION,
        message=message,
    )


def extension_approve(*, actor: Actor, extension_id: int) -> Extension:
    """Grant the request: the open resolve clock now falls due at the date asked for."""
    now = timezone.now()
    with transaction.atomic():
        case, extension = _decidable(actor=actor, extension_id=extension_id)
        timer = open_timer(case, TimerKind.RESOLVE)
        if case.state != State.HANDLING or timer is None or case.unit_id != extension.unit_id:
            raise Conflict(
                _("The case is no longer being handled by the unit that asked; refuse the "
                  "request instead."),
                code="invalid_state",
            )
        due_before = open_timer_due(timer)
        # A grant only ever gives more time, and a date still ahead.
        if extension.due_at <= now or extension.due_at <= due_before:
            raise Conflict(
                _(
                    "The date asked for is no longer ahead of the current due date or of now; "
                    "refuse the request, and the unit may ask again."
                ),
                code="extension_outdated",
            )
        timer_due_move(timer=timer, due=extension.due_at, at=now)
        extension.state = Extension.State.GRANTED
        extension.decided_by_id = actor.user_id
        extension.decided_at = now
        extension.save(update_fields=["state", "decided_by", "decided_at"])
        case_event_append(
            case=case,
            transition="extension_granted",
            actor=actor,
            at=now,
            payload={"extension": extension.pk, "due_before": due_before, "due_at": extension.due_at},
        )
        _tell_unit(
            case,
            extension,
            gettext_lazy("%(reference)s: more time granted, the case is now due %(due)s."),
            reference=case.reference,
            due=_when(extension.due_at),
        )
    return extension


def extension_refuse(*, actor: Actor, extension_id: int, data) -> Extension:
    """Refuse the request, saying why; the resolve clock stays as it was."""
    now = timezone.now()
    with transaction.atomic():
        case, extension = _decidable(actor=actor, extension_id=extension_id)
        clean = validated(ExtensionRefuseInput, data)
        extension.state = Extension.State.REFUSED
        extension.decided_by_id = actor.user_id
        extension.decided_at = now
        extension.decision_reason = clean["reason"]
        extension.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        case_event_append(
            case=case,
            transition="extension_refused",
            actor=actor,
            at=now,
            payload={"extension": extension.pk, "due_at": extension.due_at, "reason": clean["reason"]},
        )
        _tell_unit(
            case,
            extension,
            gettext_lazy("%(reference)s: more time refused: %(reason)s"),
            reference=case.reference,
            reason=clean["reason"],
        )
    return extension
