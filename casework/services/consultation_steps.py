"""The automatic steps of the consultation flow (`workflows.consultation_flow`).

`casework.apps` registers this module with the flow (`steps_register`), which calls these
inside the transaction of whoever moved it (a ballot, the options, the vote clock's breach),
with the case row already locked there. They alone write `Consultation.state`.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.actors import SYSTEM
from workflows.ballot_tally import tally
from workflows.consultation_states import ConsultationState
from workflows.sla_rules import TimerKind

from ..models import Case, Consultation, Notification
from .case_events import case_event_append
from .cases import case_transition
from .notifications import notify, party_representatives, street_supervisors
from .sla_timers import timer_start, timer_stop


def _consultation(process_id: int) -> tuple[Case, Consultation]:
    consultation = Consultation.objects.get(process_id=process_id)
    case = Case.objects.select_for_update().get(pk=consultation.case_id)
    return case, Consultation.objects.select_for_update().get(pk=consultation.pk)


def vote_open(*, process_id: int) -> None:
    """Open the ballot window: snapshot the quorum, start the `vote` clock (its due time is
    when the vote closes) and tell the six parties."""
    case, consultation = _consultation(process_id)
    now = timezone.now()
    timer = timer_start(case=case, kind=TimerKind.VOTE, at=now)
    consultation.state = ConsultationState.VOTING
    consultation.quorum = settings.CONSULTATION_QUORUM
    consultation.voting_opened_at = now
    consultation.closes_at = timer.due_at if timer else None
    consultation.save(update_fields=["state", "quorum", "voting_opened_at", "closes_at"])
    closes = (
        timezone.localtime(consultation.closes_at).strftime("%Y-%m-%d %H:%M")
        if consultation.closes_at
        else _("when all six parties have voted")
    )
    notify(
        user_ids=party_representatives(case),
        case=case,
        kind=Notification.Kind.VOTE_OPEN,
        message=_("%(reference)s: the six-party consultation is open for your vote until "
                  "%(closes)s.") % {"reference": case.reference, "closes": closes},
    )


def vote_count(*, process_id: int) -> None:
    """Close the vote and count it (the pure rules: `workflows.ballot_tally`). The count and
    every party's ballot go on the case's record."""
    case, consultation = _consultation(process_id)
    now = timezone.now()
    ballots = {ballot.party: ballot.choice for ballot in consultation.ballots.all()}
    result = tally(ballots, quorum=consultation.quorum)
    consultation.state = ConsultationState.DECIDED if result.winner else ConsultationState.UNDECIDED
    consultation.tally = result.as_json()
    consultation.outcome_id = result.winner
    consultation.closed_at = now
    consultation.save(update_fields=["state", "tally", "outcome", "closed_at"])
    timer_stop(case=case, kind=TimerKind.VOTE, at=now)
    case_event_append(
        case=case,
        transition="vote_closed",
        actor=SYSTEM,
        at=now,
        payload={
            "consultation": consultation.pk,
            "ballots": ballots,
            "tally": consultation.tally,
            "winner": result.winner,
        },
    )


def vote_has_winner(*, process_id: int) -> bool:
    return Consultation.objects.get(process_id=process_id).outcome_id is not None


def case_decide_by_vote(*, process_id: int) -> None:
    """The winning option decides the case, as the SYSTEM actor."""
    consultation = Consultation.objects.get(process_id=process_id)
    case = Case.objects.select_for_update().get(pk=consultation.case_id)
    case_transition(
        actor=SYSTEM,
        case_id=case.pk,
        name="decide",
        payload={"option": consultation.outcome_id},
        version=case.version,
    )


def supervisor_hand_over(*, process_id: int) -> None:
    case, _consultation_row = _consultation(process_id)
    notify(
        user_ids=street_supervisors(case),
        case=case,
        kind=Notification.Kind.DECIDE_NEEDED,
        message=_("%(reference)s: the six-party vote found no winner; the supervisor decides.")
        % {"reference": case.reference},
    )
