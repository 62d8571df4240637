"""The case state machine on the model: django-fsm methods derived from the transition spec
(`workflows.transitions`, docs/states.md).

Each method moves `state` from one of its sources to its target and sets the fields its spec
names; django-fsm guards the state (a protected field only transitions may move, a wrong
source raises) and the version check on save. Conditions and the system's exemption from
them are checked by the service (`casework.services.cases`) from the spec, before the
method runs.
"""

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .case_states import State
from .transitions import TRANSITIONS, Transition


class CaseLifecycle(ConcurrentTransitionMixin, models.Model):
    state = FSMField(default=State.COLLECTED, choices=State.choices, protected=True, db_index=True)

    class Meta:
        abstract = True


def _fsm_method(spec: Transition):
    def run(self, **data):
        spec.apply(self, data)

    run.__name__ = run.__qualname__ = spec.method_name
    run.__doc__ = f"{spec.name}: {', '.join(spec.sources)} → {spec.target}"
    return transition(
        field="state", source=list(spec.sources), target=spec.target, permission=spec.may
    )(run)


# Before any concrete model subclasses it: django-fsm collects the methods when the model
# class is prepared.
for _spec in TRANSITIONS.values():
    setattr(CaseLifecycle, _spec.method_name, _fsm_method(_spec))
