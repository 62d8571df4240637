"""The case state machine (DESIGN.md §3), declared with django-fsm-2.

Each transition states its source, target and who may run it. Method bodies only set
fields; the service in `casework.services.cases` locks, saves and logs. `escalate` and
`decide` bracket the six-party consultation (its flow: `workflows.consultation_flow`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .actors import Actor
from .case_states import Outcome, State


def _is_dispatcher(case, actor: Actor) -> bool:
    return actor.is_superuser or case.community_id in actor.dispatch_communities


def _is_grid_worker_or_dispatcher(case, actor: Actor) -> bool:
    return case.grid_id in actor.grids or _is_dispatcher(case, actor)


def _is_assigned_unit_member(case, actor: Actor) -> bool:
    return actor.is_superuser or (case.unit_id is not None and case.unit_id in actor.units)


def _is_dispatcher_or_system(case, actor: Actor) -> bool:
    return actor.is_system or _is_dispatcher(case, actor)


def _is_supervisor_or_system(case, actor: Actor) -> bool:
    return (
        actor.is_system or actor.is_superuser or case.community_id in actor.supervised_communities
    )


def may_convene(case, actor: Actor) -> bool:
    """The community's dispatcher convenes; the street's supervisor may too, and so does the
    SLA engine when a hard case misses its resolve deadline."""
    return _is_dispatcher(case, actor) or _is_supervisor_or_system(case, actor)


def _awaits_decision(case) -> bool:
    return case.consultation_awaits_decision


def is_the_resident(case, actor: Actor) -> bool:
    """The holder of the case's follow link (casework.services.resident)."""
    return actor.resident_case_id is not None and actor.resident_case_id == case.pk


def may_call_back(case, actor: Actor) -> bool:
    """Who records a callback (回访) for a resident who has not rated: the case's grid worker
    (often a visit), the community's dispatcher (the community office makes the calls, and
    only a dispatcher reads the resident's phone number), a superuser."""
    return case.grid_id in actor.grids or _is_dispatcher(case, actor)


def _is_rater(case, actor: Actor) -> bool:
    return is_the_resident(case, actor) or may_call_back(case, actor)


def _has_rating(case) -> bool:
    return bool(case.satisfaction)


def _is_unrated(case) -> bool:
    # One rating per round (a reopen starts the next): the resident's own is final, and a
    # callback only stands in for a resident who has not rated.
    return not case.satisfaction


def _is_suspended(case) -> bool:
    return case.is_suspended


def _is_running(case) -> bool:
    return not case.is_suspended


def may_collect(actor: Actor, *, grid_id: int, community_id: int) -> bool:
    """Grid workers file for their own grid; dispatchers for any grid of their community;
    the residents' doors for the grid they located (casework.services.resident)."""
    return (
        actor.is_superuser
        or actor.is_system
        or actor.is_public_intake
        or grid_id in actor.grids
        or community_id in actor.dispatch_communities
    )


class CaseLifecycle(ConcurrentTransitionMixin, models.Model):
    state = FSMField(default=State.COLLECTED, choices=State.choices, protected=True, db_index=True)

    class Meta:
        abstract = True

    @transition(
        field=state, source=State.COLLECTED, target=State.CLASSIFIED, permission=_is_dispatcher
    )
    def classify(self, *, category, urgency, difficulty, unit):
        self.category = category
        self.urgency = urgency
        self.difficulty = difficulty
        self.unit = unit

    @transition(
        field=state,
        source=State.COLLECTED,
        target=State.EVALUATING,
        permission=_is_grid_worker_or_dispatcher,
    )
    def resolve_on_spot(self, *, result):
        self.resolution = result
        self.outcome = Outcome.FIXED

    @transition(
        field=state,
        source=State.CLASSIFIED,
        target=State.HANDLING,
        permission=_is_assigned_unit_member,
    )
    def accept(self):
        pass

    @transition(
        field=state,
        source=State.CLASSIFIED,
        target=State.COLLECTED,
        permission=_is_assigned_unit_member,
    )
    def return_to_dispatcher(self, *, reason):
        self.unit = None

    @transition(
        field=state,
        source=State.HANDLING,
        target=State.EVALUATING,
        permission=_is_assigned_unit_member,
    )
    def resolve(self, *, result, outcome):
        self.is_suspended = False
        self.resolution = result
        self.outcome = outcome

    @transition(
        field=state,
        source=State.HANDLING,
        target=State.HANDLING,
        conditions=[_is_running],
        permission=_is_assigned_unit_member,
    )
    def suspend(self, *, reason):
        self.is_suspended = True

    @transition(
        field=state,
        source=State.HANDLING,
        target=State.HANDLING,
        conditions=[_is_suspended],
        permission=_is_assigned_unit_member,
    )
    def resume(self):
        self.is_suspended = False

    @transition(
        field=state,
        source=State.EVALUATING,
        target=State.EVALUATING,
        conditions=[_is_unrated],
        permission=_is_rater,
    )
    def rate(self, *, satisfaction, comment, source, channel=None, called_at=None):
        # `channel` and `called_at` describe a callback; the log keeps them.
        self.satisfaction = satisfaction
        self.rating_comment = comment
        self.rating_source = source

    @transition(
        field=state,
        source=State.EVALUATING,
        target=State.CLOSED,
        conditions=[_has_rating],
        permission=_is_dispatcher_or_system,
    )
    def close(self, *, unrated=False, evaluation=None):
        # `unrated`/`evaluation` only mark the evaluation day's closes in the log.
        pass

    @transition(
        field=state,
        source=State.EVALUATING,
        target=State.HANDLING,
        permission=_is_supervisor_or_system,
    )
    def reopen(self, *, reason, evaluation=None):
        self.satisfaction = ""
        self.rating_comment = ""
        self.rating_source = ""

    @transition(
        field=state,
        source=[State.CLASSIFIED, State.HANDLING],
        target=State.CONSULTATION,
        permission=may_convene,
    )
    def escalate(self, *, mode, options, place, starts_at):
        # The consultation itself (options, flow, clocks) is recorded by the service.
        self.is_suspended = False

    # The vote's outcome decides (the SYSTEM actor, when the tally has a winner); when it has
    # none, the street's supervisor does. Either way only once the vote has closed.
    @transition(
        field=state,
        source=State.CONSULTATION,
        target=State.HANDLING,
        conditions=[_awaits_decision],
        permission=_is_supervisor_or_system,
    )
    def decide(self, *, option, plan, unit):
        if unit is not None:
            self.unit = unit

    @transition(
        field=state,
        source=[State.COLLECTED, State.CLASSIFIED],
        target=State.REJECTED,
        permission=_is_dispatcher,
    )
    def reject(self, *, reason, duplicate_of):
        self.reject_reason = reason
        self.duplicate_of = duplicate_of


def transition_apply(case, method_name: str, *, skip_conditions: bool = False, **kwargs):
    """Run a transition method on the case. With `skip_conditions` (only for the SYSTEM
    actor and SYSTEM_SKIPS_CONDITIONS, decided by the caller) the method body runs and the
    state moves to the declared target without django-fsm's condition check."""
    method = getattr(case, method_name)
    if not skip_conditions:
        return method(**kwargs)
    meta = method._django_fsm
    target = meta.next_state(meta.field.get_state(case))
    result = getattr(type(case), method_name).__wrapped__(case, **kwargs)
    meta.field.set_state(case, target)
    return result


# Public transition name → method on CaseLifecycle (`return` is a Python keyword).
TRANSITION_METHODS: dict[str, str] = {
    "classify": "classify",
    "resolve_on_spot": "resolve_on_spot",
    "accept": "accept",
    "return": "return_to_dispatcher",
    "resolve": "resolve",
    "suspend": "suspend",
    "resume": "resume",
    "rate": "rate",
    "close": "close",
    "reopen": "reopen",
    "reject": "reject",
    "escalate": "escalate",
    "decide": "decide",
}
TRANSITION_NAMES: dict[str, str] = {method: name for name, method in TRANSITION_METHODS.items()}

# What each transition is called in messages to people ("You may not … this case").
TRANSITION_VERBS = {
    "classify": _("classify"),
    "resolve_on_spot": _("settle on the spot"),
    "accept": _("accept"),
    "return": _("return"),
    "resolve": _("resolve"),
    "suspend": _("suspend"),
    "resume": _("resume"),
    "rate": _("rate"),
    "close": _("close"),
    "reopen": _("reopen"),
    "reject": _("reject"),
    "escalate": _("escalate"),
    "decide": _("decide"),
}

# Transitions whose conditions the SYSTEM actor may skip. The evaluation day (DESIGN.md §6)
# closes cases left unrated for more than 7 days, which `close` otherwise refuses; such a
# close records {"unrated": true} (casework.inputs.CloseInput lets only the system say so).
SYSTEM_SKIPS_CONDITIONS = {"close"}

# Why a transition whose conditions fail cannot run now (answered with 409).
CONDITION_FAILED = {
    "rate": _(
        "This case has been rated already in this round: the rating stands until the case is "
        "reopened."
    ),
    "close": _("The case needs the resident's rating before it can be closed."),
    "suspend": _("The resolve clock is already paused."),
    "resume": _("The resolve clock is not paused."),
    "decide": _("The vote is still open: the case is decided once it closes."),
}

# The error code of a failed condition, where "condition_failed" says too little.
CONDITION_CODES = {"rate": "already_rated"}
