"""Every case transition, declared once (docs/states.md is generated from this table).

A `Transition` says where it may start, where it ends, who may run it and what must hold,
what it sets on the case, which SLA clocks it moves, what input it takes and what it records
beyond the case row. Everything else derives from it: the django-fsm methods
(`workflows.case_lifecycle`), the service's checks (`casework.services.cases`), the API's
route and schema, the case page's forms, the timeline's and the follow page's labels, and the
replay of the event log (`workflows.replay`).

Input serializers, page forms and records live in `casework/`, which imports this module, so
the spec names them by dotted path and they are loaded on first use.

Events that are not transitions (filing a case, the six-party consultation's steps, a raised
whistle) are declared here too as `EventKind`s, so every name the log may hold has its
labels in one place.

Adding a transition: one entry in TRANSITIONS, its input (and form, if the page offers it),
its tests, then `manage.py states_doc` to regenerate docs/states.md.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from . import case_permissions as rules
from .actors import Actor
from .case_states import Outcome, RatingSource, State
from .sla_rules import PAUSE, RESUME, START, STOP, TimerKind

_MISSING = object()


@dataclass(frozen=True)
class Set:
    """One case field a transition sets: from the input's `key`, or to a fixed `value`.

    `keep_if_none`: a missing or null input leaves the field as it is. `legacy`: for replay,
    the value of an old event whose payload lacks the key."""

    field: str
    key: str | None = None
    value: object = _MISSING
    keep_if_none: bool = False
    legacy: Callable | None = None

    def apply(self, target, data: dict) -> None:
        if self.value is not _MISSING:
            setattr(target, self.field, self.value)
            return
        value = data.get(self.key)
        if value is None and self.keep_if_none:
            return
        setattr(target, self.field, value)

    def replay(self, target, event) -> None:
        if self.key is not None and self.legacy is not None and not event.payload.get(self.key):
            setattr(target, self.field, self.legacy(event))
        else:
            self.apply(target, event.payload)


@dataclass(frozen=True)
class EventKind:
    """A name the case log may hold, with its labels (staff timeline; the resident's follow
    page, where `public_label` is set) and the fields its replay rebuilds."""

    name: str
    label: str
    public_label: str | None = None
    sets: tuple[Set, ...] = ()

    def replay(self, case, event) -> None:
        for effect in self.sets:
            if hasattr(case, effect.field):
                effect.replay(case, event)


@dataclass(frozen=True)
class Transition(EventKind):
    sources: tuple[str, ...] = ()
    target: str = ""
    # Who may run it (case, actor) -> bool; `who` names those roles for the docs and tests:
    # grid_worker, dispatcher, unit, supervisor, resident, system (a superuser may do all).
    may: Callable[[object, Actor], bool] | None = None
    who: tuple[str, ...] = ()
    verb: str = ""  # "You may not <verb> this case."
    # What must hold besides the state (case) -> bool, and the 409 when it does not.
    condition: Callable[[object], bool] | None = None
    condition_failed: str = ""
    condition_code: str = "condition_failed"
    # The SYSTEM actor may run it although the condition fails (the evaluation day closes
    # cases left unrated; its input then says so, see casework.inputs.CloseInput).
    system_skips_condition: bool = False
    timers: tuple[tuple[str, str], ...] = ()
    input: str = "casework.inputs.EmptyInput"
    form: str | None = None  # the case page's form, if the page offers the transition
    # What it writes beyond the case row, in its transaction: f(case=, data=, actor=, at=).
    record: str | None = None
    payload_doc: str = "{}"  # the API's description of the body, besides `version`
    method: str = ""  # the django-fsm method, when the name is a Python keyword

    @property
    def method_name(self) -> str:
        return self.method or self.name

    @property
    def input_class(self):
        return _load(self.input)

    @property
    def form_class(self):
        return _load(self.form) if self.form else None

    @property
    def record_function(self):
        return _load(self.record) if self.record else None

    @property
    def fields_set(self) -> list[str]:
        return [effect.field for effect in self.sets]

    def apply(self, case, data: dict) -> None:
        for effect in self.sets:
            effect.apply(case, data)

    def condition_holds(self, case) -> bool:
        return self.condition is None or self.condition(case)

    def runnable(self, case, actor: Actor) -> bool:
        """What the case page offers: right state, allowed, condition met."""
        return case.state in self.sources and self.may(case, actor) and self.condition_holds(case)


@cache
def _load(path: str):
    return import_string(path)


_RATING_CLEARED = (Set("satisfaction", value=""), Set("rating_comment", value=""),
                   Set("rating_source", value=""))


def _legacy_rating_source(event) -> str:
    """Ratings logged before the payload named its source: one without a staff actor came
    through the follow link (as migration 0012 decided for the cases)."""
    staff = getattr(event, "actor_id", None) is not None
    return RatingSource.CALLBACK if staff else RatingSource.RESIDENT


# In the order the case page offers them.
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            name="classify",
            label=_("Classified and assigned"),
            public_label=_("Assigned to a handling unit"),
            verb=_("classify"),
            sources=(State.COLLECTED,),
            target=State.CLASSIFIED,
            may=rules.is_dispatcher,
            who=("dispatcher",),
            sets=(Set("category", "category"), Set("urgency", "urgency"),
                  Set("difficulty", "difficulty"), Set("unit", "unit")),
            timers=((START, TimerKind.RESPOND),),
            input="casework.inputs.ClassifyInput",
            form="casework.forms.ClassifyForm",
            payload_doc="{category, urgency, difficulty, unit}",
        ),
        # The multi-unit dispatch (吹哨, docs/summons.md): a lead unit (主办) takes the case as
        # `classify` gives it to one unit, co-units (协办) join it; every one of them owes a
        # check-in (报到). Summoning again replaces the earlier summons.
        Transition(
            name="summon",
            label=_("Units summoned"),
            public_label=_("Assigned to a handling unit"),
            verb=_("summon units to"),
            sources=(State.COLLECTED, State.CLASSIFIED),
            target=State.CLASSIFIED,
            may=rules.may_summon,
            who=("dispatcher", "supervisor"),
            sets=(Set("category", "category", keep_if_none=True),
                  Set("urgency", "urgency", keep_if_none=True),
                  Set("difficulty", "difficulty", keep_if_none=True), Set("unit", "lead")),
            # The lead owes the response; a respond clock running for an earlier unit is
            # superseded.
            timers=((STOP, TimerKind.RESPOND), (START, TimerKind.RESPOND)),
            input="casework.inputs.SummonInput",
            form="casework.forms.SummonForm",
            record="casework.services.summons.summons_record",
            payload_doc=(
                "{lead, co_units: [unit, …], reason, origin, category?, urgency?, difficulty?}: "
                "`origin` `resident` (群众吹哨), `community` (社区吹哨) or `street` (街道吹哨, "
                "a supervisor's); units active and serving the case's community, at most "
                "SUMMONS_MAX_CO_UNITS co-units, none twice; category/urgency/difficulty as for "
                "`classify`, needed only where the case lacks them"
            ),
        ),
        Transition(
            name="resolve_on_spot",
            label=_("Settled on the spot"),
            public_label=_("Settled on the spot"),
            verb=_("settle on the spot"),
            sources=(State.COLLECTED,),
            target=State.EVALUATING,
            may=rules.is_grid_worker_or_dispatcher,
            who=("grid_worker", "dispatcher"),
            sets=(Set("resolution", "result"), Set("outcome", value=Outcome.FIXED)),
            input="casework.inputs.ResolveOnSpotInput",
            form="casework.forms.ResolveOnSpotForm",
            payload_doc="{result}",
        ),
        Transition(
            name="accept",
            label=_("Accepted"),
            public_label=_("The unit took it on"),
            verb=_("accept"),
            sources=(State.CLASSIFIED,),
            target=State.HANDLING,
            may=rules.is_assigned_unit_member,
            who=("unit",),
            timers=((STOP, TimerKind.RESPOND), (START, TimerKind.RESOLVE)),
            form="casework.forms.AcceptForm",
        ),
        Transition(
            name="resolve",
            label=_("Resolved"),
            public_label=_("Resolved"),
            verb=_("resolve"),
            sources=(State.HANDLING,),
            target=State.EVALUATING,
            may=rules.is_assigned_unit_member,
            who=("unit",),
            # A summoned co-unit's part must be done, or closed by the lead (docs/summons.md).
            condition=rules.no_open_parts,
            condition_failed=_(
                "A co-unit's part is still open: it records its part done, or you close it "
                "with a reason, before the case can be resolved."
            ),
            condition_code="parts_open",
            sets=(Set("is_suspended", value=False), Set("resolution", "result"),
                  Set("outcome", "outcome")),
            timers=((STOP, TimerKind.RESOLVE),),
            input="casework.inputs.ResolveInput",
            form="casework.forms.ResolveForm",
            payload_doc="{result, outcome}",
        ),
        Transition(
            name="suspend",
            label=_("Suspended"),
            verb=_("suspend"),
            sources=(State.HANDLING,),
            target=State.HANDLING,
            may=rules.is_assigned_unit_member,
            who=("unit",),
            condition=rules.is_running,
            condition_failed=_("The resolve clock is already paused."),
            sets=(Set("is_suspended", value=True),),
            timers=((PAUSE, TimerKind.RESOLVE),),
            input="casework.inputs.ReasonInput",
            form="casework.forms.SuspendForm",
            payload_doc="{reason}",
        ),
        Transition(
            name="resume",
            label=_("Resumed"),
            verb=_("resume"),
            sources=(State.HANDLING,),
            target=State.HANDLING,
            may=rules.is_assigned_unit_member,
            who=("unit",),
            condition=rules.is_suspended,
            condition_failed=_("The resolve clock is not paused."),
            sets=(Set("is_suspended", value=False),),
            timers=((RESUME, TimerKind.RESOLVE),),
            form="casework.forms.ResumeForm",
        ),
        Transition(
            name="rate",
            label=_("Rated"),
            public_label=_("Rated"),
            verb=_("rate"),
            sources=(State.EVALUATING,),
            target=State.EVALUATING,
            may=rules.is_rater,
            who=("grid_worker", "dispatcher", "resident"),
            # One rating per round (a reopen starts the next): the resident's own is final,
            # and a callback only stands in for a resident who has not rated.
            condition=rules.is_unrated,
            condition_failed=_(
                "This case has been rated already in this round: the rating stands until the "
                "case is reopened."
            ),
            condition_code="already_rated",
            # `channel` and `called_at` describe a callback; only the log keeps them.
            sets=(Set("satisfaction", "satisfaction"), Set("rating_comment", "comment"),
                  Set("rating_source", "source", legacy=_legacy_rating_source)),
            input="casework.inputs.RateInput",
            form="casework.forms.RateForm",
            payload_doc=(
                "{satisfaction, comment, channel, called_at?}: staff record a callback (回访) "
                "for a resident who has not rated — `comment` is what the resident said, "
                "`channel` `phone` or `visit`, `called_at` (default now) between the resolution "
                "and now; the round's one rating (the resident's own through their follow link "
                "is final), so a second one is 409 `already_rated`"
            ),
        ),
        Transition(
            name="close",
            label=_("Closed"),
            public_label=_("Closed"),
            verb=_("close"),
            sources=(State.EVALUATING,),
            target=State.CLOSED,
            may=rules.is_dispatcher_or_system,
            who=("dispatcher", "system"),
            condition=rules.has_rating,
            condition_failed=_("The case needs the resident's rating before it can be closed."),
            system_skips_condition=True,
            input="casework.inputs.CloseInput",
            form="casework.forms.CloseForm",
            payload_doc="{} (only the evaluation day sends {unrated: true})",
        ),
        Transition(
            name="decide",
            label=_("Decided"),
            public_label=_("The consultation decided on a plan"),
            verb=_("decide"),
            sources=(State.CONSULTATION,),
            target=State.HANDLING,
            # The vote's winner decides (the SYSTEM actor); without one, the street's
            # supervisor does. Either way only once the vote has closed.
            may=rules.is_supervisor_or_system,
            who=("supervisor", "system"),
            condition=rules.awaits_decision,
            condition_failed=_("The vote is still open: the case is decided once it closes."),
            # The chosen plan may hand the case to another unit.
            sets=(Set("unit", "unit", keep_if_none=True),),
            # The plan is handled on a fresh resolve clock owed by the plan's unit; a clock
            # left from before the escalation is superseded (stopped, or stays breached).
            timers=((STOP, TimerKind.CONSULT), (STOP, TimerKind.RESOLVE),
                    (START, TimerKind.RESOLVE)),
            input="casework.inputs.DecideInput",
            form="casework.forms.DecideForm",
            record="casework.services.consultations.consultation_decision_record",
            payload_doc="{option} (a supervisor, once the vote ended without a winner)",
        ),
        Transition(
            name="escalate",
            label=_("Escalated to consultation"),
            public_label=_("Taken to a six-party consultation"),
            verb=_("escalate"),
            sources=(State.CLASSIFIED, State.HANDLING),
            target=State.CONSULTATION,
            may=rules.may_convene,
            who=("dispatcher", "supervisor", "system"),
            sets=(Set("is_suspended", value=False),),
            timers=((STOP, TimerKind.RESPOND), (START, TimerKind.CONSULT)),
            input="casework.inputs.EscalateInput",
            form="casework.forms.EscalateForm",
            record="casework.services.consultations.consultation_open",
            payload_doc=(
                "{mode, options: [text | {text, unit}], place?, starts_at?} (place and "
                "starts_at for `on_site` and `hall`)"
            ),
        ),
        Transition(
            name="return",
            method="return_to_dispatcher",  # `return` is a Python keyword
            label=_("Returned to the dispatcher"),
            verb=_("return"),
            sources=(State.CLASSIFIED,),
            target=State.COLLECTED,
            may=rules.is_assigned_unit_member,
            who=("unit",),
            sets=(Set("unit", value=None),),
            # Returning is a response too: the unit answered, just not with "ours".
            timers=((STOP, TimerKind.RESPOND),),
            input="casework.inputs.ReasonInput",
            form="casework.forms.ReturnForm",
            payload_doc="{reason}",
        ),
        Transition(
            name="reopen",
            label=_("Reopened"),
            public_label=_("Reopened"),
            verb=_("reopen"),
            sources=(State.EVALUATING,),
            target=State.HANDLING,
            may=rules.is_supervisor_or_system,
            who=("supervisor", "system"),
            sets=_RATING_CLEARED,
            timers=((START, TimerKind.RESOLVE),),
            input="casework.inputs.ReopenInput",
            form="casework.forms.ReopenForm",
            payload_doc="{reason}",
        ),
        Transition(
            name="reject",
            label=_("Rejected"),
            public_label=_("Not accepted"),
            verb=_("reject"),
            sources=(State.COLLECTED, State.CLASSIFIED),
            target=State.REJECTED,
            may=rules.is_dispatcher,
            who=("dispatcher",),
            sets=(Set("reject_reason", "reason"), Set("duplicate_of", "duplicate_of")),
            timers=((STOP, TimerKind.RESPOND),),
            input="casework.inputs.RejectInput",
            form="casework.forms.RejectForm",
            payload_doc="{reason, duplicate_of?}",
        ),
    ]
}

# Everything else the case log holds: filing (the log's first event, written by
# casework.services.cases.case_collect) and records that leave the state as it is.
EVENT_KINDS: dict[str, EventKind] = {
    **{
        kind.name: kind
        for kind in [
            EventKind(
                name="collect",
                label=_("Filed"),
                public_label=_("Received"),
                sets=(Set("category", "category"), Set("urgency", "urgency")),
            ),
            # The SLA sweep records it when nobody responded in time (吹哨).
            EventKind(name="whistle", label=_("Raised to the street")),
            # The six-party consultation's steps on the case's record (docs/consultation.md).
            EventKind(name="options", label=_("Consultation options written")),
            EventKind(name="ballot", label=_("Ballot cast")),
            EventKind(name="vote_closed", label=_("Vote closed")),
            EventKind(name="minutes", label=_("Meeting minutes recorded")),
            # The unit's request for more time and its decision (docs/extensions.md); the
            # resolve clock moves, the case row does not, so replay passes over them.
            EventKind(name="extension_asked", label=_("More time asked for")),
            EventKind(name="extension_granted", label=_("More time granted")),
            EventKind(name="extension_refused", label=_("More time refused")),
            # A supervisor's urge (督办) and the reply it is owed (docs/urges.md); only the
            # urge clock moves, so replay passes over them.
            EventKind(name="urged", label=_("Urged by the supervisor")),
            EventKind(name="urge_answered", label=_("Urge answered")),
            # A summoned unit's check-in and part (docs/summons.md); the case row does not
            # change, so replay passes over them.
            EventKind(name="check_in", label=_("Checked in")),
            EventKind(name="part_done", label=_("Co-unit's part done")),
            EventKind(name="part_closed", label=_("Co-unit's part closed by the lead")),
            # Retention removed the resident's contact details (docs/privacy.md#retention);
            # it sets no field, so replay passes over it.
            EventKind(name="anonymised", label=_("Resident's contact details removed")),
        ]
    },
    **TRANSITIONS,
}

# The steps a resident sees on the follow page, in their words.
PUBLIC_EVENTS = tuple(name for name, kind in EVENT_KINDS.items() if kind.public_label)


def transitions_runnable(case, actor: Actor) -> list[str]:
    """The transitions the actor can run on the case now, in the page's order."""
    return [name for name, spec in TRANSITIONS.items() if spec.runnable(case, actor)]


def replay_fields() -> set[str]:
    """Every case field some event sets: replay must rebuild each it can."""
    return {effect.field for kind in EVENT_KINDS.values() for effect in kind.sets}


def _check() -> None:
    for spec in TRANSITIONS.values():
        assert spec.sources and spec.target and spec.may and spec.who and spec.verb, spec.name
        assert spec.condition is None or spec.condition_failed, spec.name


_check()
