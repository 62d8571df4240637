"""Events that record something on a case without moving it (ballots, the vote's close,
meeting minutes): same state before and after, so replay passes over them."""

from datetime import datetime

from workflows.actors import Actor

from ..models import Case, CaseEvent


def case_event_append(
    *, case: Case, transition: str, actor: Actor, at: datetime, payload: dict
) -> CaseEvent:
    """Call with the case row locked. Bumps `version`: the log is numbered by it, and a page
    built on the old version learns that the case has changed."""
    case.version += 1
    case.updated_at = at
    case.save(update_fields=["version", "updated_at"])
    return CaseEvent.objects.create(
        case=case,
        seq=case.version,
        transition=transition,
        from_state=case.state,
        to_state=case.state,
        actor_id=actor.user_id,
        at=at,
        payload=payload,
    )
