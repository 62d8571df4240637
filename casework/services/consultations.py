"""The six-party consultation's writes (docs/consultation.md), apart from ballots
(`ballots.py`).

`escalate` and `decide` are case transitions (`cases.case_transition`); what they record
beyond the case row is done here, in their transaction. The flow's automatic steps are in
`consultation_steps.py`; the functions here complete its human tasks.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from workflows.actors import Actor
from workflows.case_permissions import may_convene
from workflows.case_states import State
from workflows.consultation_flow import (
    HUMAN_TASKS,
    ConsultationFlow,
    FlowPosition,
    flow_position_expected,
)
from workflows.consultation_states import MEETING_MODES, ConsultationState

from ..errors import Conflict, Forbidden, NotFound
from ..inputs import MinutesInput, OptionsInput, validated
from ..models import Case, Consultation, ConsultationOption, Notification
from .case_events import case_event_append
from .notifications import community_dispatchers, notify, street_supervisors


def _options_json(options: list[dict]) -> list[dict]:
    return [{"text": o["text"], "unit": o["unit"].pk if o["unit"] else None} for o in options]


def flow_task_run(consultation: Consultation, node) -> bool:
    """Complete the flow's waiting human task `node`; False if it is not waiting."""
    task = (
        Task.objects.filter(process_id=consultation.process_id, flow_task=node, status=STATUS.NEW)
        .order_by("pk")
        .first()
    )
    if task is None:
        return False
    node.run(task)
    return True


def flow_position(consultation: Consultation) -> FlowPosition:
    """Where the consultation's process is: its human tasks not done yet (and any task in
    error, which no state expects), and whether it has ended."""
    tasks = Task.objects.filter(process_id=consultation.process_id).exclude(
        status__in=[STATUS.DONE, STATUS.CANCELED]
    )
    waiting = {
        task.flow_task.name
        for task in tasks
        if task.flow_task.name in HUMAN_TASKS or task.status == STATUS.ERROR
    }
    return FlowPosition(frozenset(waiting), done=consultation.process.status == PROCESS.DONE)


def consultation_flow_agrees(consultation: Consultation) -> bool:
    """`Consultation.state` and the process say the same (`flow_position_expected`)."""
    expected = flow_position_expected(
        consultation.state,
        voted=consultation.ballots.values_list("party", flat=True),
        decided=consultation.decided_at is not None,
    )
    return flow_position(consultation) == expected


def consultation_latest(case: Case) -> Consultation | None:
    return case.consultations.order_by("-id").first()


def _locked(consultation_id: int) -> tuple[Case, Consultation]:
    """Lock the case first, like every case write, then its consultation."""
    case_id = Consultation.objects.filter(pk=consultation_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound()
    case = Case.objects.select_for_update().get(pk=case_id)
    return case, Consultation.objects.select_for_update().get(pk=consultation_id)


def _options_create(consultation: Consultation, options: list[dict]) -> None:
    ConsultationOption.objects.bulk_create(
        ConsultationOption(consultation=consultation, position=n, text=o["text"], unit=o["unit"])
        for n, o in enumerate(options, 1)
    )


# ---------------------------------------------------------------- escalate and decide


def consultation_open(*, case: Case, data: dict, actor: Actor, at: datetime) -> Consultation:
    """`escalate`'s record: the consultation, its flow and, when the options came with it,
    the vote. Opened by the SLA engine it waits for the dispatcher to write options."""
    consultation = Consultation.objects.create(
        case=case,
        mode=data["mode"],
        place=data["place"],
        starts_at=data["starts_at"],
        opened_at=at,
        opened_by_id=actor.user_id,
    )
    consultation.process = ConsultationFlow.start.run()
    consultation.save(update_fields=["process"])
    case.current_consultation_id = consultation.pk  # the case's readers show its latest
    if data["options"]:
        _options_create(consultation, data["options"])
        flow_task_run(consultation, ConsultationFlow.write_options)
    else:
        notify(
            user_ids=community_dispatchers(case) + street_supervisors(case),
            case=case,
            kind=Notification.Kind.CONSULT_NEEDED,
            message=_("%(reference)s has gone to a six-party consultation; write the options "
                      "to vote on.") % {"reference": case.reference},
        )
    return consultation


def consultation_decision_record(*, case: Case, data: dict, actor: Actor, at: datetime) -> None:
    """`decide`'s record. When the supervisor decides, this completes the flow's waiting
    `supervisor_decides` task; when the vote decided, the flow is already running this."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation_latest(case).pk)
    consultation.decided_option = data["option"]
    consultation.decided_by_id = actor.user_id
    consultation.decided_at = at
    consultation.save(update_fields=["decided_option", "decided_by", "decided_at"])
    flow_task_run(consultation, ConsultationFlow.supervisor_decides)


# ---------------------------------------------------------------- the dispatcher's steps


def consultation_options_write(*, actor: Actor, consultation_id: int, data) -> Consultation:
    """Write the options of a consultation the SLA engine opened; the vote opens with them."""
    with transaction.atomic():
        case, consultation = _locked(consultation_id)
        if not may_convene(case, actor):
            raise Forbidden(_("Only the community's dispatchers and the street's supervisors "
                              "write a consultation's options."))
        if consultation.state != ConsultationState.DRAFTING:
            raise Conflict(_("The options of this consultation are already written."),
                           code="options_written")
        clean = validated(OptionsInput, data, case=case, mode=consultation.mode)
        now = timezone.now()
        consultation.place = clean["place"]
        consultation.starts_at = clean["starts_at"]
        consultation.save(update_fields=["place", "starts_at"])
        _options_create(consultation, clean["options"])
        case_event_append(
            case=case,
            transition="options",
            actor=actor,
            at=now,
            payload={
                "consultation": consultation.pk,
                "options": _options_json(clean["options"]),
                "place": clean["place"],
                "starts_at": clean["starts_at"].isoformat() if clean["starts_at"] else None,
            },
        )
        flow_task_run(consultation, ConsultationFlow.write_options)
    consultation.refresh_from_db()
    return consultation


def consultation_minutes_record(*, actor: Actor, consultation_id: int, data) -> Consultation:
    """Minutes and attendance per party, after a meeting on site or in the hall."""
    with transaction.atomic():
        case, consultation = _locked(consultation_id)
        if not may_convene(case, actor):
            raise Forbidden(_("Only the community's dispatchers and the street's supervisors "
                              "record the minutes."))
        now = timezone.now()
        if consultation.mode not in MEETING_MODES:
            raise Conflict(_("An online consultation has no meeting to take minutes of."),
                           code="no_meeting")
        if consultation.starts_at is None or consultation.starts_at > now:
            raise Conflict(_("The minutes are recorded after the meeting."), code="meeting_ahead")
        clean = validated(MinutesInput, data)
        consultation.minutes = clean["minutes"]
        consultation.attendance = clean["attendance"]
        consultation.minutes_at = now
        consultation.save(update_fields=["minutes", "attendance", "minutes_at"])
        case_event_append(
            case=case,
            transition="minutes",
            actor=actor,
            at=now,
            payload={
                "consultation": consultation.pk,
                "present": [party for party, present in clean["attendance"].items() if present],
            },
        )
    return consultation


# ---------------------------------------------------------------- the vote's deadline


def vote_deadline_reached(*, case: Case, now: datetime) -> bool:
    """The `vote` clock ran out (its breach action; the case row is locked): the vote closes
    with the ballots it has. A vote already closed is left alone."""
    consultation = (
        case.consultations.select_for_update()
        .filter(state=ConsultationState.VOTING)
        .order_by("-id")
        .first()
    )
    if consultation is None or case.state != State.CONSULTATION:
        return False
    return flow_task_run(consultation, ConsultationFlow.vote_deadline)
