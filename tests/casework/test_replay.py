"""The event log is the truth: replaying it rebuilds the case (workflows/replay.py).

These need no database; the autouse check in tests/conftest.py replays every case the
database tests create."""

from dataclasses import dataclass, field

import pytest

from workflows.replay import ReplayError, replay


@dataclass
class Event:
    transition: str
    from_state: str
    to_state: str
    payload: dict = field(default_factory=dict)


COLLECT = Event(
    "collect", "", "collected", {"channel": "hall", "grid": 1, "category": None, "urgency": "normal"}
)
CLASSIFY = Event(
    "classify",
    "collected",
    "classified",
    {"category": 7, "urgency": "urgent", "difficulty": "small", "unit": 3},
)


def test_replay_of_a_closed_case_rebuilds_every_field():
    case = replay([
        COLLECT,
        CLASSIFY,
        Event("accept", "classified", "handling"),
        Event("resolve", "handling", "evaluating", {"result": "修好了", "outcome": "explained"}),
        Event("rate", "evaluating", "evaluating", {"satisfaction": "basically_satisfied", "comment": ""}),
        Event("close", "evaluating", "closed"),
    ])  # fmt: skip

    assert (case.state, case.category, case.urgency, case.difficulty, case.unit) == (
        "closed", 7, "urgent", "small", 3,
    )  # fmt: skip
    assert (case.outcome, case.satisfaction) == ("explained", "basically_satisfied")


def test_replay_of_a_return_clears_the_unit():
    case = replay([COLLECT, CLASSIFY, Event("return", "classified", "collected", {"reason": "不归我们"})])

    assert (case.state, case.unit, case.category) == ("collected", None, 7)


def test_replay_of_a_reopen_clears_the_rating():
    case = replay([
        COLLECT,
        Event("resolve_on_spot", "collected", "evaluating", {"result": "当场解决"}),
        Event("rate", "evaluating", "evaluating", {"satisfaction": "dissatisfied", "comment": ""}),
        Event("reopen", "evaluating", "handling", {"reason": "不满意"}),
    ])  # fmt: skip

    assert (case.state, case.outcome, case.satisfaction) == ("handling", "fixed", "")


def test_replay_rebuilds_who_rated_and_a_reopen_clears_it():
    resolved = [COLLECT, Event("resolve_on_spot", "collected", "evaluating", {"result": "当场解决"})]
    by_resident = Event("rate", "evaluating", "evaluating",
                        {"satisfaction": "dissatisfied", "comment": "", "source": "resident"})
    reopen = Event("reopen", "evaluating", "handling", {"reason": "不满意"})
    resolve = Event("resolve", "handling", "evaluating", {"result": "再修", "outcome": "fixed"})
    callback = Event("rate", "evaluating", "evaluating", {
        "satisfaction": "satisfied", "comment": "电话里说修好了", "source": "callback",
        "channel": "phone", "called_at": "2026-12-03T15:30:00+08:00",
    })  # fmt: skip

    assert replay([*resolved, by_resident]).rating_source == "resident"
    assert replay([*resolved, by_resident, reopen]).rating_source == ""
    case = replay([*resolved, by_resident, reopen, resolve, callback])
    assert (case.satisfaction, case.rating_source) == ("satisfied", "callback")


@dataclass
class LoggedEvent(Event):
    actor_id: int | None = None


def test_replay_of_a_rating_logged_before_it_named_its_source_goes_by_its_actor():
    """As migration 0012 decided for the cases: no staff actor, the follow link."""
    resolved = [COLLECT, Event("resolve_on_spot", "collected", "evaluating", {"result": "当场解决"})]
    old = {"satisfaction": "satisfied", "comment": ""}

    by_link = replay([*resolved, LoggedEvent("rate", "evaluating", "evaluating", old, None)])
    by_staff = replay([*resolved, LoggedEvent("rate", "evaluating", "evaluating", old, 4)])

    assert (by_link.rating_source, by_staff.rating_source) == ("resident", "callback")


def test_replay_refuses_a_log_with_a_gap():
    with pytest.raises(ReplayError):
        replay([COLLECT, Event("accept", "classified", "handling")])


def test_replay_refuses_an_unknown_state():
    with pytest.raises(ReplayError):
        replay([COLLECT, Event("classify", "collected", "limbo", CLASSIFY.payload)])


def test_empty_log_is_no_case():
    assert replay([]).state is None


def test_replay_of_a_consultation_passes_over_ballots_and_takes_the_decided_unit():
    case = replay([
        COLLECT,
        CLASSIFY,
        Event("accept", "classified", "handling"),
        Event("suspend", "handling", "handling", {"reason": "等居民"}),
        Event("escalate", "handling", "consultation", {"mode": "online", "options": ["甲", "乙"]}),
        Event("ballot", "consultation", "consultation", {"party": "property", "option": 11}),
        Event("vote_closed", "consultation", "consultation", {"winner": 12}),
        Event("decide", "consultation", "handling", {"option": 12, "plan": "乙", "unit": 9}),
    ])  # fmt: skip

    assert (case.state, case.unit, case.is_suspended) == ("handling", 9, False)


def test_replay_of_a_decision_without_a_unit_keeps_the_assigned_one():
    case = replay([
        COLLECT,
        CLASSIFY,
        Event("escalate", "classified", "consultation", {"mode": "hall", "options": []}),
        Event("decide", "consultation", "handling", {"option": 5, "plan": "甲", "unit": None}),
    ])  # fmt: skip

    assert (case.state, case.unit) == ("handling", 3)
