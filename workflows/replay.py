"""Rebuild a case's state from its event log alone (docs/states.md: the log is the truth).

Each event's kind (`workflows.transitions`) says which fields it sets; replay applies the
same declaration to the payload that the transition applied to the case.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .case_states import State
from .transitions import EVENT_KINDS


class EventLike(Protocol):
    transition: str
    from_state: str
    to_state: str
    payload: dict


class ReplayError(ValueError):
    pass


@dataclass
class ReplayedCase:
    """The fields the log carries in the form the case stores them (ids for units and
    categories); texts and the duplicate's reference are the log's to show, not to rebuild."""

    state: str | None = None
    category: int | None = None
    urgency: str = ""
    difficulty: str = ""
    unit: int | None = None
    outcome: str = ""
    satisfaction: str = ""
    rating_source: str = ""
    is_suspended: bool = False


def replay(events: Iterable[EventLike]) -> ReplayedCase:
    case = ReplayedCase()
    for event in events:
        if (event.from_state or None) != case.state:
            raise ReplayError(
                f"{event.transition}: log says from {event.from_state!r}, replay is at {case.state!r}"
            )
        kind = EVENT_KINDS.get(event.transition)
        if kind is not None:
            kind.replay(case, event)
        if event.to_state not in State.values:
            raise ReplayError(f"unknown state {event.to_state!r}")
        case.state = event.to_state
    return case
