"""The six-party consultation as a viewflow process (DESIGN.md §5).

    start → write_options → open_vote → ┬ ballot_<party> ×6 ┬→ close_vote → tally → outcome
                                         └ vote_deadline ───┘        decide ←┘    └→ hand_over
                                                                                 supervisor_decides

The flow owns the order of the steps and the parallel ballots; the domain work of each
automatic step (opening the vote and its clock, counting, deciding the case) is done by
`casework.services.consultation_steps`, and the people's steps are `Handle` tasks our own
services complete (`write_options`, one ballot task per party, `supervisor_decides`). The
vote's deadline is the `vote` SLA timer swept by Celery beat like every other clock; when
it fires, its breach action completes `vote_deadline`. viewflow's own Timer node is not used:
one timer mechanism.

Everything runs inside the caller's transaction, which already holds the case row; the
process row lock below keeps the Join honest if anything else ever drives the flow.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from .consultation_states import PARTIES


def ballot_task_name(party: str) -> str:
    return f"ballot_{party}"


def _steps():
    # The steps write through the domain services, which import this module; import late.
    from casework.services import consultation_steps

    return consultation_steps


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
