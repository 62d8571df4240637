"""The log is the truth (docs/architecture.md#case-log): replaying a case's events must yield
the case as stored. The test suite checks it after every test; a restore checks it on the
restored database (docs/operations.md#backups)."""

import itertools
from operator import attrgetter

from workflows.replay import ReplayError, replay

from ..models import Case, CaseEvent

# Case field → the replayed field it must equal.
COMPARED = {
    "state": "state",
    "unit_id": "unit",
    "category_id": "category",
    "urgency": "urgency",
    "difficulty": "difficulty",
    "outcome": "outcome",
    "satisfaction": "satisfaction",
    "rating_source": "rating_source",
}


def case_log_verify() -> list[str]:
    """Every case whose log does not replay to it, in words; [] when all agree.

    Two ordered streams walked side by side, so a large restored database costs two
    queries' worth of rows, not one query per case."""
    cases = Case.objects.order_by("pk").iterator(chunk_size=2000)
    events = CaseEvent.objects.order_by("case_id", "seq").iterator(chunk_size=2000)
    logs = itertools.groupby(events, key=attrgetter("case_id"))
    pending = next(logs, None)
    mismatches = []
    for case in cases:
        log = []
        while pending is not None and pending[0] <= case.pk:
            if pending[0] == case.pk:
                log = list(pending[1])
            pending = next(logs, None)
        mismatch = _mismatch(case, log)
        if mismatch:
            mismatches.append(f"{case.reference}: {mismatch}")
    return mismatches


def _mismatch(case: Case, log: list) -> str:
    try:
        replayed = replay(log)
    except ReplayError as exc:
        return f"the log does not replay ({exc})"
    stored = {name: getattr(case, field) for field, name in COMPARED.items()}
    rebuilt = {name: getattr(replayed, name) for name in stored}
    return "" if rebuilt == stored else f"stored {stored}, replayed {rebuilt}"
