"""The transition spec (workflows/transitions.py) is the one account of every transition:
the model's state machine, the docs and the replay all agree with it."""

import pytest
from django.core.management import CommandError, call_command

from casework.forms import TransitionForm
from casework.models import Case
from workflows.replay import ReplayedCase
from workflows.transitions import EVENT_KINDS, TRANSITIONS, replay_fields


def test_the_models_state_machine_is_the_spec():
    state = Case._meta.get_field("state")
    graph = {(t.name, t.source, t.target) for t in state.get_all_transitions(Case)}
    wanted = {
        (spec.method_name, source, spec.target)
        for spec in TRANSITIONS.values()
        for source in spec.sources
    }
    assert graph == wanted


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_every_transition_names_an_input_form_and_record_that_exist(name):
    spec = TRANSITIONS[name]
    assert spec.input_class().fields is not None
    assert spec.form is None or issubclass(spec.form_class, TransitionForm)
    assert spec.record is None or callable(spec.record_function)


def test_every_field_a_transition_sets_is_a_field_of_the_case():
    case_fields = {field.name for field in Case._meta.get_fields()}
    assert replay_fields() <= case_fields


def test_replay_rebuilds_every_field_it_holds_from_some_event():
    held = set(ReplayedCase.__dataclass_fields__) - {"state"}
    assert held <= replay_fields()


def test_transitions_and_records_share_one_namespace_of_log_names():
    assert set(TRANSITIONS) <= set(EVENT_KINDS)
    assert all(kind.label for kind in EVENT_KINDS.values())


def test_the_states_doc_is_generated_from_the_spec():
    call_command("states_doc", "--check")


def test_a_stale_states_doc_fails_the_check(monkeypatch):
    from casework.management.commands import states_doc

    monkeypatch.setattr(states_doc, "states_doc", lambda: "stale\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("states_doc", "--check")


def test_no_code_asks_django_fsm_what_may_run_now():
    """django-fsm's own answer skips the spec's conditions (the service checks them): the
    pages ask `transitions_runnable` or the spec instead."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    users = [
        path for folder in ("casework", "workflows") for path in (root / folder).rglob("*.py")
        if any(name in path.read_text(encoding="utf-8")
               for name in ("get_available_", "can_proceed", "has_transition_perm"))
    ]
    assert users == []
