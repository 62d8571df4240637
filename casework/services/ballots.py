"""Casting and changing a party's ballot (docs/consultation.md#ballots)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.actors import Actor
from workflows.consultation_access import seats_in
from workflows.consultation_flow import BALLOT_TASKS
from workflows.consultation_states import ABSTAIN, PARTIES, ConsultationState

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..inputs import BallotInput, validated
from ..models import Ballot, Case, Consultation
from .case_events import case_event_append
from .consultations import flow_task_run


@dataclass
class BallotResult:
    consultation: Consultation
    ballot: Ballot
    created: bool  # the party's first ballot
    changed: bool  # anything changed at all (casting the same choice again does not)


def _party_for(actor: Actor, community_id: int, asked: str) -> str:
    seats = seats_in(actor, community_id)
    if not seats:
        raise Forbidden(_("Only the six parties' representatives in this community vote."))
    if asked and asked not in PARTIES:
        raise Invalid(fields={"party": [_("Not one of the six parties.")]})
    if asked and asked not in seats:
        raise Forbidden(_("You may vote only for the party you represent."))
    if asked:
        return asked
    if len(seats) > 1:
        raise Invalid(fields={"party": [_("You represent several parties here: say which one votes.")]})
    return next(iter(seats))


def _vote_open_check(consultation: Consultation, now) -> None:
    if consultation.state == ConsultationState.DRAFTING:
        raise Conflict(_("The vote has not opened yet: the options are still being written."),
                       code="vote_not_open")
    if consultation.state != ConsultationState.VOTING or (
        consultation.closes_at is not None and now >= consultation.closes_at
    ):
        raise Conflict(_("The vote has closed; ballots can no longer be cast or changed."),
                       code="vote_closed")


def ballot_cast(*, actor: Actor, consultation_id: int, data) -> BallotResult:
    """Cast the caller's party's ballot, or change it while the vote is open. The party's
    first ballot completes its task in the flow; the sixth party's closes the vote."""
    consultation = Consultation.objects.select_related("case").filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound()
    party = _party_for(
        actor,
        consultation.case.community_id,
        data.get("party", "") if hasattr(data, "get") else "",
    )
    option = validated(BallotInput, data, consultation=consultation)["option"]  # None: abstain
    now = timezone.now()
    with transaction.atomic():
        # Lock the case first, like every case write: two representatives of one party
        # voting at once queue here, and the second finds the first one's ballot.
        case = Case.objects.select_for_update().get(pk=consultation.case_id)
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        _vote_open_check(consultation, now)
        ballot = Ballot.objects.filter(consultation=consultation, party=party).first()
        option_id = option.pk if option is not None else None
        if ballot is not None and ballot.option_id == option_id:
            return BallotResult(consultation, ballot, created=False, changed=False)
        created = ballot is None
        if created:
            ballot = Ballot.objects.create(
                consultation=consultation, party=party, option=option, cast_by_id=actor.user_id, cast_at=now
            )
        else:
            ballot.option = option
            ballot.cast_by_id = actor.user_id
            ballot.changed_at = now
            ballot.save(update_fields=["option", "cast_by", "changed_at"])
        case_event_append(
            case=case,
            transition="ballot",
            actor=actor,
            at=now,
            payload={
                "consultation": consultation.pk,
                "party": party,
                "option": option_id if option_id is not None else ABSTAIN,
                "changed": not created,
            },
        )
        if created:
            flow_task_run(consultation, BALLOT_TASKS[party])
    consultation.refresh_from_db()
    return BallotResult(consultation, ballot, created=created, changed=True)
