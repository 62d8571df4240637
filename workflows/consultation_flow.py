"""The six-party consultation as a viewflow process (docs/consultation.md#process).

    start → write_options → open_vote → ┬ ballot_<party> ×6 ┬→ close_vote → tally → outcome
                                         └ vote_deadline ───┘        decide ←┘    └→ hand_over
                                                                                 supervisor_decides

The flow owns the order of the steps and the parallel ballots; the domain work of each
automatic step (opening the vote and its clock, counting, deciding the case) is done by the
`ConsultationSteps` that casework registers at start-up (`steps_register`, called by
`casework.apps`; they are `casework.services.consultation_steps`), so this module imports
nothing of casework. The people's steps are `Handle` tasks our own services complete
(`write_options`, one ballot task per party, `supervisor_decides`). The vote's deadline is
the `vote` SLA timer swept by Celery beat like every other clock; when it fires, its breach
action completes `vote_deadline`. viewflow's own Timer node is not used: one timer
mechanism.

Everything runs inside the caller's transaction, which already holds the case row; the
process row lock below keeps the Join honest if anything else ever drives the flow.

Two records, one truth. The process (its tasks) says which step comes next: which people's
tasks wait, and the Join that cancels the ballots left when the vote closes.
`Consultation.state` (drafting → voting → decided | undecided) is that position as a column,
written only by the flow's own automatic nodes (`open_vote`, `tally`), in the transaction
that moves the process, so the two change together or not at all. The column stays
because the domain reads it where a join on viewflow's task rows by node name would not
do: the database's "one open consultation per case" constraint, the ballot check under the
case lock, the pages' lists (votes open in a community, decisions waiting for a
supervisor) and the SLA sweep's "who still owes a ballot". `flow_position_expected` states
the agreement; the services check it (`consultations.consultation_flow_agrees`).
"""

from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from .consultation_states import PARTIES, ConsultationState


def ballot_task_name(party: str) -> str:
    return f"ballot_{party}"


class ConsultationSteps(Protocol):
    """The domain work of the automatic nodes, each inside the transaction that moved the
    flow, given the process id."""

    def vote_open(self, *, process_id: int) -> None: ...
    def vote_count(self, *, process_id: int) -> None: ...
    def vote_has_winner(self, *, process_id: int) -> bool: ...
    def case_decide_by_vote(self, *, process_id: int) -> None: ...
    def supervisor_hand_over(self, *, process_id: int) -> None: ...


_registered: list[ConsultationSteps] = []


def steps_register(steps: ConsultationSteps) -> None:
    """Give the flow its steps. The steps write through casework's services, which start
    this flow: registering them (rather than importing them here) keeps the dependency one
    way, casework → workflows."""
    _registered[:] = [steps]


def _steps() -> ConsultationSteps:
    if not _registered:
        raise ImproperlyConfigured(
            "The consultation flow has no steps: casework's AppConfig.ready registers them."
        )
    return _registered[0]


class ConsultationFlow(flow.Flow):
    """Six-party consultation"""

    process_title = _("Six-party consultation")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle().Next(this.write_options)
    # The dispatcher writes the plan options (at once when escalating, or later when the SLA
    # engine opened the consultation).
    write_options = flow.Handle().Next(this.open_vote)
    open_vote = flow.Function(this.vote_opened).Next(this.vote)
    vote = (
        flow.Split()
        .Always(this.ballot_party_committee)
        .Always(this.ballot_residents_committee)
        .Always(this.ballot_department)
        .Always(this.ballot_local_unit)
        .Always(this.ballot_property)
        .Always(this.ballot_owners_committee)
        .Always(this.vote_deadline)
    )
    # One human task per party: done when the party first casts its ballot. Changing the
    # ballot later is a domain change only; the flow needs just "this party has voted".
    ballot_party_committee = flow.Handle().Next(this.close_vote)
    ballot_residents_committee = flow.Handle().Next(this.close_vote)
    ballot_department = flow.Handle().Next(this.close_vote)
    ballot_local_unit = flow.Handle().Next(this.close_vote)
    ballot_property = flow.Handle().Next(this.close_vote)
    ballot_owners_committee = flow.Handle().Next(this.close_vote)
    # Completed by the `vote` clock's breach action when the ballot window runs out.
    vote_deadline = flow.Handle().Next(this.close_vote)
    close_vote = flow.Join(continue_on_condition=this.vote_is_over).Next(this.tally)
    tally = flow.Function(this.votes_counted).Next(this.outcome)
    outcome = flow.If(this.has_winner).Then(this.decide).Else(this.hand_over)
    decide = flow.Function(this.decided_by_vote).Next(this.end)
    hand_over = flow.Function(this.handed_to_supervisor).Next(this.supervisor_decides)
    # Completed when the supervisor runs `decide` on the case.
    supervisor_decides = flow.Handle().Next(this.end)
    end = flow.End()

    def vote_is_over(self, activation, active_tasks) -> bool:
        """All six parties have voted (only the deadline still waits), or the deadline came
        (it no longer waits); the Join then cancels whatever still waits."""
        waiting = {task.flow_task.name for task in active_tasks}
        return waiting == {"vote_deadline"} or "vote_deadline" not in waiting

    def vote_opened(self, activation):
        _steps().vote_open(process_id=activation.process.pk)

    def votes_counted(self, activation):
        _steps().vote_count(process_id=activation.process.pk)

    def has_winner(self, activation) -> bool:
        return _steps().vote_has_winner(process_id=activation.process.pk)

    def decided_by_vote(self, activation):
        _steps().case_decide_by_vote(process_id=activation.process.pk)

    def handed_to_supervisor(self, activation):
        _steps().supervisor_hand_over(process_id=activation.process.pk)


BALLOT_TASKS = {party: getattr(ConsultationFlow, ballot_task_name(party)) for party in PARTIES}


# The people's (and the vote clock's) tasks: what the process can be waiting for.
HUMAN_TASKS = frozenset(
    name for name, node in vars(ConsultationFlow).items() if isinstance(node, flow.Handle)
)


@dataclass(frozen=True)
class FlowPosition:
    waiting: frozenset[str]  # the human tasks not done yet
    done: bool  # the process has ended


def flow_position_expected(state: str, *, voted=(), decided: bool = False) -> FlowPosition:
    """Where the process must be for a consultation in `state`, whose parties `voted` have a
    ballot and which is `decided` (a decision recorded on it, by vote or by the supervisor).

    drafting ⇔ write_options waits; voting ⇔ the deadline and the ballots of the parties
    yet to vote wait; decided ⇔ the process has ended; undecided ⇔ supervisor_decides waits,
    and once the supervisor has decided the process has ended."""
    if state == ConsultationState.DRAFTING:
        return FlowPosition(frozenset({"write_options"}), done=False)
    if state == ConsultationState.VOTING:
        voted = set(voted)
        waiting = {ballot_task_name(party) for party in PARTIES if party not in voted}
        return FlowPosition(frozenset(waiting | {"vote_deadline"}), done=False)
    if state == ConsultationState.UNDECIDED and not decided:
        return FlowPosition(frozenset({"supervisor_decides"}), done=False)
    return FlowPosition(frozenset(), done=True)
