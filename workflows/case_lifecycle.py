"""The case state machine (DESIGN.md §3), declared with django-fsm-2.

Each transition states its source, target and who may run it. Method bodies only set
fields; the service in `casework.services.case_transitions` locks, saves and logs.
`escalate`/`decide` arrive with the consultation; its state already exists.
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


def _is_rater(case, actor: Actor) -> bool:
    return case.grid_id in actor.grids or actor.is_superuser


def _has_rating(case) -> bool:
    return bool(case.satisfaction)


def _is_suspended(case) -> bool:
    return case.is_suspended


def _is_running(case) -> bool:
    return not case.is_suspended


def may_collect(actor: Actor, *, grid_id: int, community_id: int) -> bool:
    """Grid workers file for their own grid; dispatchers for any grid of their community."""
    return (
        actor.is_superuser
        or actor.is_system
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
        permission=_is_rater,
    )
    def rate(self, *, satisfaction, comment):
        self.satisfaction = satisfaction
        self.rating_comment = comment

    @transition(
        field=state,
        source=State.EVALUATING,
        target=State.CLOSED,
        conditions=[_has_rating],
        permission=_is_dispatcher_or_system,
    )
    def close(self):
        pass

    @transition(
        field=state,
        source=State.EVALUATING,
        target=State.HANDLING,
        permission=_is_supervisor_or_system,
    )
    def reopen(self, *, reason):
        self.satisfaction = ""
        self.rating_comment = ""

    @transition(
        field=state,
        source=[State.COLLECTED, State.CLASSIFIED],
        target=State.REJECTED,
        permission=_is_dispatcher,
    )
    def reject(self, *, reason, duplicate_of):
        self.reject_reason = reason
        self.duplicate_of = duplicate_of


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
}

# Why a transition whose conditions fail cannot run now (answered with 409).
CONDITION_FAILED = {
    "close": _("The case needs the resident's rating before it can be closed."),
    "suspend": _("The resolve clock is already paused."),
    "resume": _("The resolve clock is not paused."),
}
