"""Summons (吹哨) and check-in (报到) (docs/summons.md).

The `summon` transition (workflows.transitions) records its summons here
(`summons_record`, in the transition's transaction). Each later step — a unit's check-in, a
co-unit's part, the lead closing a part — locks the case row first, then the summons,
changes it, appends its event to the case log (bumping the version) and tells who needs to
know, in one transaction. `summons_sweep` is the SLA sweep's look at missed check-ins.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows.actors import Actor
from workflows.case_permissions import is_assigned_unit_member
from workflows.case_states import State
from workflows.sla_rules import TimerKind
from workflows.summons_states import SummonsOrigin, SummonsRole

from ..errors import Conflict, Forbidden, NotFound
from ..inputs import CheckInInput, PartCloseInput, PartDoneInput, validated
from ..models import Case, Notification, SlaBreach, Summons
from ..selectors import case_scope_q
from .case_events import case_event_append
from .notifications import community_dispatchers, notify, street_supervisors, unit_members
from .sla_timers import due_for, policy_for

# While the summoned units work on the case: check-ins and parts are recorded then only.
OPEN_STATES = (State.CLASSIFIED, State.HANDLING)
# Without any `check_in` policy (an office deleted them all), the documented default.
FALLBACK_LIMIT = timedelta(hours=2)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def check_in_due(*, case: Case, at: datetime) -> datetime:
    """When a unit summoned at `at` must have checked in: SLA policy `check_in`."""
    policy = policy_for(case=case, kind=TimerKind.CHECK_IN)
    return at + FALLBACK_LIMIT if policy is None else due_for(policy=policy, start=at)


def summons_record(*, case: Case, data: dict, actor: Actor, at: datetime) -> list[Summons]:
    """The `summon` transition's record: supersede the case's earlier summons, summon the
    lead and the co-units, each with its check-in due date, and tell their members."""
    Summons.objects.filter(case=case, superseded_at__isnull=True).update(superseded_at=at)
    due = check_in_due(case=case, at=at)
    units = [(data["lead"], SummonsRole.LEAD)] + [(u, SummonsRole.CO) for u in data["co_units"]]
    summonses = Summons.objects.bulk_create(
        Summons(
            case=case,
            unit=unit,
            role=role,
            origin=data["origin"],
            reason=data["reason"],
            summoned_by_id=actor.user_id,
            summoned_at=at,
            due_at=due,
        )
        for unit, role in units
    )
    with translation.override(settings.LANGUAGE_CODE):  # the office's language
        for unit, role in units:
            message = (
                _("%(reference)s: your unit is summoned as the lead unit; check in by %(due)s.")
                if role == SummonsRole.LEAD
                else _("%(reference)s: your unit is summoned as a co-unit; check in by %(due)s.")
            ) % {"reference": case.reference, "due": _when(due)}
            notify(
                user_ids=unit_members(unit.pk),
                case=case,
                kind=Notification.Kind.SUMMONS,
                message=message,
            )
    return summonses


def _locked(*, actor: Actor, summons_id: int) -> tuple[Case, Summons]:
    """The case (locked first, as every case write) and the summons, found in scope."""
    case_id = (
        Summons.objects.filter(pk=summons_id, case__in=Case.objects.filter(case_scope_q(actor)))
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is None:
        raise NotFound()
    case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
    summons = Summons.objects.select_for_update().select_related("unit").get(pk=summons_id)
    return case, summons


def _open_or_409(case: Case, summons: Summons) -> None:
    if summons.superseded_at is not None or case.state not in OPEN_STATES:
        raise Conflict(
            _("This summons no longer stands: the case was summoned again or has moved on."),
            code="invalid_state",
        )


def _member_or_403(summons: Summons, actor: Actor) -> None:
    if not (actor.is_superuser or summons.unit_id in actor.units):
        raise Forbidden(_("Only a member of the summoned unit may do this."))


def summoning_level(case: Case, summons: Summons) -> list[int]:
    """Who summoned, as a level: the street's supervisors for the street's whistle, the
    community's dispatchers otherwise. A missed check-in is owed to them."""
    if summons.origin == SummonsOrigin.STREET:
        return street_supervisors(case)
    return community_dispatchers(case)


def check_in_breach_record(*, case: Case, summons: Summons, now: datetime) -> SlaBreach | None:
    """A check-in missed (or late): one breach per summons, owed by its unit, told to the
    summoning level. Call with the case and the summons locked."""
    if SlaBreach.objects.filter(summons=summons).exists():
        return None
    breach = SlaBreach.objects.create(
        summons=summons,
        case=case,
        kind=TimerKind.CHECK_IN,
        unit_id=summons.unit_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
        due_at=summons.due_at,
        breached_at=now,
    )
    with translation.override(settings.LANGUAGE_CODE):
        message = _("%(reference)s: %(unit)s did not check in by %(due)s.") % {
            "reference": case.reference, "unit": summons.unit.name, "due": _when(summons.due_at)
        }
    notify(
        user_ids=summoning_level(case, summons),
        case=case,
        kind=Notification.Kind.BREACH,
        message=message,
    )
    return breach


def summons_check_in(*, actor: Actor, summons_id: int, data) -> Summons:
    """A member of the summoned unit checks in, naming who comes; after the due date this
    records the check-in and its breach (once)."""
    now = timezone.now()
    with transaction.atomic():
        case, summons = _locked(actor=actor, summons_id=summons_id)
        _member_or_403(summons, actor)
        _open_or_409(case, summons)
        if summons.checked_in_at is not None:
            raise Conflict(_("This unit has checked in already."), code="checked_in")
        clean = validated(CheckInInput, data)
        summons.checked_in_at = now
        summons.checked_in_by_id = actor.user_id
        summons.attendee = clean["attendee"]
        summons.save(update_fields=["checked_in_at", "checked_in_by", "attendee"])
        late = now > summons.due_at
        if late:
            check_in_breach_record(case=case, summons=summons, now=now)
        case_event_append(
            case=case,
            transition="check_in",
            actor=actor,
            at=now,
            payload={
                "summons": summons.pk,
                "unit": summons.unit_id,
                "role": summons.role,
                "attendee": summons.attendee,
                "due_at": summons.due_at,
                "late": late,
            },
        )
    return summons


def summons_part_done(*, actor: Actor, summons_id: int, data) -> Summons:
    """A co-unit's member records its part done, saying what it did."""
    now = timezone.now()
    with transaction.atomic():
        case, summons = _locked(actor=actor, summons_id=summons_id)
        _member_or_403(summons, actor)
        _open_or_409(case, summons)
        if summons.role == SummonsRole.LEAD:
            raise Conflict(
                _("The lead unit has no part of its own: it resolves the case."),
                code="lead_has_no_part",
            )
        if summons.checked_in_at is None:
            raise Conflict(_("Check in before recording your part."), code="not_checked_in")
        if not summons.part_open:
            raise Conflict(_("This part is settled already."), code="part_settled")
        clean = validated(PartDoneInput, data)
        summons.part_done_at = now
        summons.part_note = clean["note"]
        summons.save(update_fields=["part_done_at", "part_note"])
        case_event_append(
            case=case,
            transition="part_done",
            actor=actor,
            at=now,
            payload={"summons": summons.pk, "unit": summons.unit_id, "note": summons.part_note},
        )
        with translation.override(settings.LANGUAGE_CODE):
            message = _("%(reference)s: %(unit)s has done its part.") % {
                "reference": case.reference, "unit": summons.unit.name
            }
        notify(
            user_ids=unit_members(case.unit_id), case=case, kind=Notification.Kind.SUMMONS,
            message=message,
        )
    return summons


def summons_part_close(*, actor: Actor, summons_id: int, data) -> Summons:
    """The lead — the case's handling unit — closes a co-unit's open part, saying why."""
    now = timezone.now()
    with transaction.atomic():
        case, summons = _locked(actor=actor, summons_id=summons_id)
        if not is_assigned_unit_member(case, actor):
            raise Forbidden(_("Only the lead unit closes a co-unit's part."))
        _open_or_409(case, summons)
        if summons.role == SummonsRole.LEAD:
            raise Conflict(
                _("The lead unit has no part of its own: it resolves the case."),
                code="lead_has_no_part",
            )
        if not summons.part_open:
            raise Conflict(_("This part is settled already."), code="part_settled")
        clean = validated(PartCloseInput, data)
        summons.part_closed_at = now
        summons.part_closed_by_id = actor.user_id
        summons.closed_by_lead_reason = clean["reason"]
        summons.save(update_fields=["part_closed_at", "part_closed_by", "closed_by_lead_reason"])
        case_event_append(
            case=case,
            transition="part_closed",
            actor=actor,
            at=now,
            payload={"summons": summons.pk, "unit": summons.unit_id, "reason": clean["reason"]},
        )
        with translation.override(settings.LANGUAGE_CODE):
            message = _("%(reference)s: the lead unit closed your part: %(reason)s") % {
                "reference": case.reference, "reason": clean["reason"]
            }
        notify(
            user_ids=unit_members(summons.unit_id), case=case, kind=Notification.Kind.SUMMONS,
            message=message[:300],
        )
    return summons


def summons_sweep(*, clock, batch_size: int = 50) -> dict:
    """Record a breach for each summons past its check-in due date without a check-in
    (docs/summons.md#the-check-in-clock). Claims rows with SKIP LOCKED like the timers'
    sweep; a summons whose case is busy waits for the next sweep. Idempotent: a summons
    with a breach is never claimed again, and the breach is one-to-one with it."""
    counts = {"check_in_breached": 0, "busy": 0}
    while True:
        with transaction.atomic():
            now = clock()
            claimed = list(
                Summons.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    checked_in_at__isnull=True,
                    superseded_at__isnull=True,
                    due_at__lte=now,
                    case__state__in=OPEN_STATES,
                )
                .filter(~Exists(SlaBreach.objects.filter(summons=OuterRef("pk"))))
                .select_related("unit")
                .order_by("due_at", "id")[:batch_size]
            )
            for summons in claimed:
                case = (
                    Case.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=summons.case_id)
                    .first()
                )
                if case is None:
                    counts["busy"] += 1
                    continue
                if check_in_breach_record(case=case, summons=summons, now=clock()):
                    counts["check_in_breached"] += 1
        if len(claimed) < batch_size or counts["busy"]:
            return counts


