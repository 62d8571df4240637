"""Pages of the six-party consultation (docs/consultation.md): the party representative's inbox, the
dispatcher's list, the supervisor's undecided list, and the consultation page where people
vote, read the results, write the options and record the minutes.

Opening a consultation is the case's `escalate` form and the supervisor's decision its
`decide` form (the case transitions page route); the rest posts here."""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from workflows.ballot_tally import (
    ALL_ABSTAINED,
    MAJORITY,
    NO_MAJORITY,
    NO_QUORUM,
    TIE_BROKEN,
)
from workflows.case_permissions import may_convene
from workflows.consultation_access import seats_in
from workflows.consultation_states import MEETING_MODES, PARTIES, ConsultationState
from workflows.transitions import TRANSITIONS

from .. import selectors
from ..errors import Conflict, Invalid
from ..forms import BallotForm, MinutesForm, OptionsForm, transition_form
from ..models import Party
from ..services.ballots import ballot_cast
from ..services.consultations import (
    consultation_minutes_record,
    consultation_options_write,
)
from .access import staff_page

TALLY_REASONS = {
    MAJORITY: gettext_lazy("More than half of the ballots cast chose it."),
    TIE_BROKEN: gettext_lazy("A tie, broken by the Community Party committee's ballot."),
    NO_QUORUM: gettext_lazy("Too few parties voted: the supervisor decides."),
    ALL_ABSTAINED: gettext_lazy("Every party abstained: the supervisor decides."),
    NO_MAJORITY: gettext_lazy("No plan won: the supervisor decides."),
}


@dataclass
class PartyRow:
    code: str
    label: str
    voted: bool
    mine: bool
    ballot: str  # the option's text or "Abstain", once the results are open; else ""
    present: bool | None  # at the meeting, once the minutes are in


@dataclass
class ResultRow:
    option_id: int
    text: str
    unit: str
    votes: int
    won: bool
    decided: bool


# ---------------------------------------------------------------- lists


@require_GET
@staff_page("consultation-inbox")
def consultation_inbox(request, actor):
    open_votes = list(selectors.consultation_vote_inbox(actor=actor))
    for consultation in open_votes:
        voted = {ballot.party for ballot in consultation.ballots.all()}
        consultation.my_parties_voted = seats_in(actor, consultation.case.community_id) <= voted
    return render(
        request,
        "casework/consultation_inbox.html",
        {
            "open_votes": open_votes,
            "closed": selectors.consultation_closed_for_member(actor=actor),
            "now": timezone.now(),
        },
    )


@require_GET
@staff_page("consultation-convene")
def consultation_convene(request, actor):
    return render(
        request,
        "casework/consultation_convene.html",
        {
            "candidates": selectors.case_escalation_candidates(actor=actor),
            "consultations": selectors.consultation_convene_list(actor=actor),
        },
    )


@require_GET
@staff_page("consultation-undecided")
def consultation_undecided(request, actor):
    return render(
        request,
        "casework/consultation_undecided.html",
        {"consultations": selectors.consultation_undecided_list(actor=actor)},
    )


# ---------------------------------------------------------------- the consultation page


@require_GET
@staff_page()
def consultation_detail(request, actor, consultation_id):
    consultation = selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    return _consultation_page(request, actor, consultation)


def _consultation_page(request, actor, consultation, *, error=None, failed=None, status=200):
    """`failed`: (form name, posted data, service errors) to show a refused form again."""
    case = consultation.case
    now = timezone.now()
    options = list(consultation.options.all())
    texts = {option.pk: option.text for option in options}
    ballots = {ballot.party: ballot for ballot in consultation.ballots.all()}
    results_open = selectors.consultation_results_visible(actor=actor, consultation=consultation)
    seats = seats_in(actor, case.community_id)
    voting = consultation.state == ConsultationState.VOTING and (
        consultation.closes_at is None or now < consultation.closes_at
    )

    def form(name, form_class, initial=None, **kwargs):
        if failed is not None and failed[0] == name:
            return form_class(failed[1], service_errors=failed[2], **kwargs)
        return form_class(initial=initial, **kwargs)

    ballot_forms = []
    if voting:
        for party in (party for party in PARTIES if party in seats):
            ballot = ballots.get(party)
            ballot_form = form(
                f"ballot-{party}",
                BallotForm,
                initial={"option": str(ballot.choice) if ballot else None},
                consultation=consultation,
                auto_id=f"ballot-{party}-%s",
            )
            ballot_forms.append((party, Party(party).label, ballot, ballot_form))
    convenes = may_convene(case, actor)
    options_form = None
    if convenes and consultation.state == ConsultationState.DRAFTING:
        options_form = form("options", OptionsForm, consultation=consultation)
    minutes_form = None
    meeting_held = consultation.starts_at is not None and consultation.starts_at <= now
    if convenes and consultation.mode in MEETING_MODES and meeting_held:
        present = [party for party, here in consultation.attendance.items() if here]
        minutes_form = form(
            "minutes", MinutesForm, initial={"minutes": consultation.minutes, "present": present}
        )
    decide_form = None
    if TRANSITIONS["decide"].runnable(case, actor):
        decide_form = transition_form("decide", case=case)

    def choice_text(ballot) -> str:
        return texts.get(ballot.option_id, "") if ballot.option_id else _("Abstain")

    parties = [
        PartyRow(
            code=party,
            label=Party(party).label,
            voted=party in ballots,
            mine=party in seats,
            ballot=choice_text(ballots[party]) if results_open and party in ballots else "",
            present=consultation.attendance.get(party) if consultation.minutes_at else None,
        )
        for party in PARTIES
    ]
    results = []
    if results_open:
        counts = consultation.tally.get("counts", {})
        results = [
            ResultRow(
                option_id=option.pk,
                text=option.text,
                unit=option.unit.name if option.unit else "",
                votes=counts.get(str(option.pk), 0),
                won=option.pk == consultation.outcome_id,
                decided=option.pk == consultation.decided_option_id,
            )
            for option in options
        ]
    context = {
        "consultation": consultation,
        "case": case,
        "options": options,
        "parties": parties,
        "voted_count": len(ballots),
        "voting": voting,
        "time_left": timeuntil(consultation.closes_at, now) if voting and consultation.closes_at else "",
        "ballot_forms": ballot_forms,
        "options_form": options_form,
        "minutes_form": minutes_form,
        "decide_form": decide_form,
        "results_open": results_open,
        "results": results,
        "abstentions": consultation.tally.get("abstain", 0),
        "reason": TALLY_REASONS.get(consultation.tally.get("reason"), ""),
        "decided_option": texts.get(consultation.decided_option_id, ""),
        "error": error,
    }
    return render(request, "casework/consultation_detail.html", context, status=status)


def _refused(request, actor, consultation_id, exc, failed=None):
    consultation = selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    status = 409 if isinstance(exc, Conflict) else 400
    return _consultation_page(
        request, actor, consultation, error=exc.detail, failed=failed, status=status
    )


@require_POST
@staff_page()
def consultation_ballot(request, actor, consultation_id):
    selectors.consultation_get(actor=actor, consultation_id=consultation_id)  # 404 outside scope
    party = request.POST.get("party", "")
    try:
        result = ballot_cast(actor=actor, consultation_id=consultation_id, data=request.POST)
    except (Conflict, Invalid) as exc:
        failed = (f"ballot-{party}", request.POST, getattr(exc, "fields", {})) if party else None
        return _refused(request, actor, consultation_id, exc, failed)
    if result.consultation.is_closed:
        messages.success(request, _("Your ballot is in, and it was the last one: the vote has closed."))
    elif result.created:
        messages.success(request, _("Your party's ballot is recorded."))
    elif result.changed:
        messages.success(request, _("Your party's ballot is changed."))
    else:
        messages.info(request, _("Your party's ballot already said that; nothing changed."))
    return redirect("consultation-detail", consultation_id=consultation_id)


@require_POST
@staff_page()
def consultation_options(request, actor, consultation_id):
    selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    try:
        consultation_options_write(
            actor=actor, consultation_id=consultation_id, data=OptionsForm.meeting_from(request.POST)
        )
    except (Conflict, Invalid) as exc:
        return _refused(
            request, actor, consultation_id, exc, ("options", request.POST, getattr(exc, "fields", {}))
        )
    messages.success(request, _("The options are written and the vote is open."))
    return redirect("consultation-detail", consultation_id=consultation_id)


@require_POST
@staff_page()
def consultation_minutes(request, actor, consultation_id):
    selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    data = {"minutes": request.POST.get("minutes", ""), "present": request.POST.getlist("present")}
    try:
        consultation_minutes_record(actor=actor, consultation_id=consultation_id, data=data)
    except (Conflict, Invalid) as exc:
        return _refused(
            request, actor, consultation_id, exc, ("minutes", request.POST, getattr(exc, "fields", {}))
        )
    messages.success(request, _("The minutes are recorded."))
    return redirect("consultation-detail", consultation_id=consultation_id)
