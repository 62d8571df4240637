"""Rebuild a case's state from its event log alone (DESIGN.md §3: the log is the truth)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .case_states import Outcome, RatingSource, State


class EventLike(Protocol):
    transition: str
    from_state: str
    to_state: str
    payload: dict


class ReplayError(ValueError):
    pass


@dataclass
class ReplayedCase:
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
        _apply(case, event)
        case.state = event.to_state
    return case


def _apply(case: ReplayedCase, event: EventLike) -> None:
    payload = event.payload
    match event.transition:
        case "collect":
            case.category = payload.get("category")
            case.urgency = payload.get("urgency", "")
        case "classify":
            case.category = payload["category"]
            case.urgency = payload["urgency"]
            case.difficulty = payload["difficulty"]
            case.unit = payload["unit"]
        case "return":
            case.unit = None
        case "resolve_on_spot":
            case.outcome = Outcome.FIXED
        case "resolve":
            case.outcome = payload["outcome"]
            case.is_suspended = False
        case "suspend":
            case.is_suspended = True
        case "resume":
            case.is_suspended = False
        case "rate":
            case.satisfaction = payload["satisfaction"]
            case.rating_source = payload.get("source") or _legacy_source(event)
        case "reopen":
            case.satisfaction = ""
            case.rating_source = ""
        case "escalate":
            case.is_suspended = False
        case "decide":
            # The chosen plan may hand the case to another unit.
            if payload.get("unit") is not None:
                case.unit = payload["unit"]
    if event.to_state not in State.values:
        raise ReplayError(f"unknown state {event.to_state!r}")


def _legacy_source(event) -> str:
    """Ratings logged before the payload named its source: one without a staff actor came
    through the follow link (as migration 0012 decided for the cases)."""
    staff = getattr(event, "actor_id", None) is not None
    return RatingSource.CALLBACK if staff else RatingSource.RESIDENT
