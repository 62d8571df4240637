"""The monthly evaluation day (定期评事, docs/evaluation.md): settle, then freeze the figures.

`evaluation_run(period=…)` is the one door (beat task, catch-up, `run_evaluation`):
- in ONE transaction, under a lock that makes concurrent runs wait: settle every case in
  `evaluating` as the SYSTEM actor through `case_transition_many` (the checks of
  `case_transition`, batched I/O; each case gets its transition and event like any other),
  then compute the figures from the log and store the report. A
  crash anywhere leaves nothing behind, and the next attempt starts over;
- idempotent: a stored period is returned as it is, nothing is settled again;
- in order: a period later than the next one due first runs the missing ones, oldest
  first; a period older than the latest report is refused.
Period naming and the settlement rules are in `workflows.evaluation_rules`.
"""

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.actors import SYSTEM
from workflows.case_states import State
from workflows.evaluation_rules import (
    CARRY,
    CLOSE,
    CLOSE_UNRATED,
    REOPEN,
    Period,
    PeriodError,
    period_due,
    periods_between,
    settlement,
)

from ..errors import Conflict, DomainError, Invalid
from ..models import Case, CaseEvent, EvaluationReport
from .cases import case_transition
from .cases_many import BATCH, case_transition_many
from .evaluation_figures import figures_compute

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (cases settled so far, cases to settle)
REOPEN_REASON = "定期评事：居民不满意，重新办理。"  # kept in the log in the office's language


def period_parse(value: str) -> Period:
    try:
        return Period.parse(value)
    except PeriodError as exc:
        raise Invalid(fields={"period": [_("Use YYYY-MM.")]}) from exc


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    return period.bounds(settings.EVALUATION_DAY, settings.EVALUATION_HOUR)


@dataclass(frozen=True)
class EvaluationPlan:
    """What running a period (or catching up) would do, before anything is written."""

    periods: list[Period]  # to settle and freeze, oldest first; empty when nothing is due
    stored: EvaluationReport | None = None  # the period asked for, already frozen
    settle: Counter = field(default_factory=Counter)  # the first run's outcomes, by counter
    first_event_at: datetime | None = None  # before any report: where the first period comes from
    next_due: tuple[Period, datetime] | None = None  # nothing due: the next period and its time


def evaluation_plan(
    *, period: str | None = None, now: datetime | None = None, outcomes: bool = True
) -> EvaluationPlan:
    """The periods a run of `period` (None: catch up) would settle and freeze, and (with
    `outcomes`) what the first of them would do with the cases evaluating now. Raises as
    `evaluation_run` would (not due, out of order, a malformed period). Reads only."""
    now = now or timezone.now()
    day, hour = settings.EVALUATION_DAY, settings.EVALUATION_HOUR
    first_event_at = None
    if period is not None:
        wanted = period_parse(period)
        stored = EvaluationReport.objects.filter(period=str(wanted)).first()
        if stored is not None:
            return EvaluationPlan(periods=[], stored=stored)
    latest = EvaluationReport.objects.order_by("-period").values_list("period", flat=True).first()
    if period is not None:
        ends_at = period_bounds(wanted)[1]
        if ends_at > now:
            raise Conflict(
                _("The evaluation of %(period)s is not due before %(at)s.")
                % {"period": wanted, "at": timezone.localtime(ends_at).strftime("%Y-%m-%d %H:%M")},
                code="not_due",
            )
        if latest is not None and str(wanted) < latest:
            raise Conflict(
                _("Periods run in order: %(period)s is older than the latest report, %(latest)s.")
                % {"period": wanted, "latest": latest},
                code="out_of_order",
            )
        first = Period.parse(latest).next() if latest else wanted
    else:
        wanted = period_due(now, day, hour)
        if latest is not None:
            first = Period.parse(latest).next()
        else:
            first_event_at = CaseEvent.objects.order_by("at").values_list("at", flat=True).first()
            if first_event_at is None:
                return EvaluationPlan(periods=[])
            # A new installation waits for its first evaluation day rather than settling its
            # first cases at once: the first period is the first to end after the first event.
            first = period_due(first_event_at, day, hour).next()
    periods = periods_between(first, wanted)
    if not periods:
        return EvaluationPlan(
            periods=[], first_event_at=first_event_at,
            next_due=(first, period_bounds(first)[1]),
        )
    if not outcomes:
        return EvaluationPlan(periods=periods, first_event_at=first_event_at)
    evaluated_at = period_bounds(periods[0])[1]
    settle: Counter = Counter(closed=0, closed_unrated=0, reopened=0, carried=0)
    for _case_id, _version, satisfaction, resolved_at in _evaluating():
        outcome = settlement(satisfaction=satisfaction, resolved_at=resolved_at, evaluated_at=evaluated_at)
        settle["carried" if outcome == CARRY else SETTLE_TRANSITIONS[outcome][2]] += 1
    return EvaluationPlan(periods=periods, settle=settle, first_event_at=first_event_at)


def evaluation_run(*, period: str, progress: Progress | None = None) -> EvaluationReport:
    """Settle and freeze `period` (and any missed one before it); return its report."""
    plan = evaluation_plan(period=period, outcomes=False)
    if plan.stored is not None:
        return plan.stored
    report = None
    for missing in plan.periods:
        report = _run_one(missing, progress=progress)
    return report


def evaluation_catch_up(*, now: datetime | None = None) -> list[EvaluationReport]:
    """Run every period that fell due and has no report yet, oldest first. Before the first
    report, the first period is the one in which the first case event happened: a new
    installation waits for its first evaluation day instead of settling its first cases at
    once. Cheap when there is nothing to do (two indexed queries)."""
    plan = evaluation_plan(now=now, outcomes=False)
    return [evaluation_run(period=str(p)) for p in plan.periods]


def _run_one(period: Period, *, progress: Progress | None) -> EvaluationReport:
    starts_at, ends_at = period_bounds(period)
    try:
        with transaction.atomic():
            _lock_reports()
            stored = EvaluationReport.objects.filter(period=str(period)).first()
            if stored is not None:  # another worker ran it while we waited for the lock
                return stored
            settled = _settle(period=str(period), evaluated_at=ends_at, progress=progress)
            run_at = timezone.now()
            figures = figures_compute(
                period=str(period),
                starts_at=starts_at,
                ends_at=ends_at,
                run_at=run_at,
                weights=settings.EVALUATION_WEIGHTS,
                basic_weight=settings.EVALUATION_BASIC_SATISFIED_WEIGHT,
            )
            figures["settled"] = dict(settled)
            figures["weights"] = {k: str(v) for k, v in settings.EVALUATION_WEIGHTS.items()}
            figures["basic_satisfied_weight"] = str(settings.EVALUATION_BASIC_SATISFIED_WEIGHT)
            report = EvaluationReport(
                period=str(period), starts_at=starts_at, ends_at=ends_at, run_at=run_at,
                figures=figures,
            )
            # The checksum covers exactly what is stored (the JSON round trip included).
            report.figures = _json_round_trip(report)
            report.checksum = report.checksum_expected()
            report.save()
    except IntegrityError:
        # Only possible if the lock is bypassed: the unique period still keeps one report.
        return EvaluationReport.objects.get(period=str(period))
    logger.info("evaluation %s frozen: %s", period, dict(settled))
    return report


def _lock_reports() -> None:
    """Concurrent runs queue here. On PostgreSQL a table lock that conflicts with itself and
    with inserts, not with reads; SQLite transactions here already take the write lock at
    BEGIN (transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {EvaluationReport._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
            )


def _json_round_trip(report: EvaluationReport) -> dict:
    return json.loads(json.dumps(report.figures, cls=DjangoJSONEncoder))


RESOLVED_AT = Max(
    "events__at", filter=Q(events__transition__in=["resolve", "resolve_on_spot", "reopen"])
)


def _evaluating(**filters) -> list[tuple]:
    """(id, version, satisfaction, time of the latest resolve/reopen) of evaluating cases."""
    return list(
        Case.objects.filter(state=State.EVALUATING, **filters)
        .annotate(resolved_at=RESOLVED_AT)
        .order_by("pk")
        .values_list("pk", "version", "satisfaction", "resolved_at")
    )


def _settle(*, period: str, evaluated_at: datetime, progress: Progress | None) -> Counter:
    """Settle every case in `evaluating` by the rules of docs/evaluation.md#settlement,
    through the door for state changes: `case_transition_many` runs each close and reopen
    with all the checks of `case_transition`, one event each, batched I/O. Candidates come
    from one query."""
    candidates = _evaluating()
    settled: Counter = Counter(closed=0, closed_unrated=0, reopened=0, carried=0)
    work: dict[str, list] = {"close": [], "reopen": []}
    for candidate in candidates:
        case_id, version, satisfaction, resolved_at = candidate
        outcome = settlement(
            satisfaction=satisfaction, resolved_at=resolved_at, evaluated_at=evaluated_at
        )
        if outcome == CARRY:
            settled["carried"] += 1
            continue
        name, payload, counted = SETTLE_TRANSITIONS[outcome]
        work[name].append((candidate, (case_id, version, {**payload, "evaluation": period}), counted))
    done = settled["carried"]
    for name, jobs in work.items():
        for offset in range(0, len(jobs), BATCH):
            chunk = jobs[offset:offset + BATCH]
            refused = case_transition_many(
                actor=SYSTEM, name=name, items=[item for _candidate, item, _counted in chunk]
            )
            for candidate, (case_id, _version, _payload), counted in chunk:
                if refused[case_id] is None:
                    settled[counted] += 1
                else:  # someone acted on it since our read: decide again, once
                    settled[_settle_one(candidate, period=period, evaluated_at=evaluated_at)] += 1
            done += len(chunk)
            if progress is not None:
                progress(done, len(candidates))
    if progress is not None:
        progress(len(candidates), len(candidates))
    return settled


SETTLE_TRANSITIONS = {
    CLOSE: ("close", {}, "closed"),
    CLOSE_UNRATED: ("close", {"unrated": True}, "closed_unrated"),
    REOPEN: ("reopen", {"reason": REOPEN_REASON}, "reopened"),
}


def _settle_one(candidate: tuple, *, period: str, evaluated_at: datetime, retry: bool = True):
    """One case through `case_transition`, re-read and decided again after a conflict."""
    case_id, version, satisfaction, resolved_at = candidate
    outcome = settlement(
        satisfaction=satisfaction, resolved_at=resolved_at, evaluated_at=evaluated_at
    )
    if outcome == CARRY:
        return "carried"
    name, payload, counted = SETTLE_TRANSITIONS[outcome]
    try:
        case_transition(
            actor=SYSTEM,
            case_id=case_id,
            name=name,
            payload={**payload, "evaluation": period},
            version=version,
        )
    except DomainError:
        # Someone acted on the case between our read and its lock: decide again on what
        # it is now (once); a case no longer evaluating is theirs.
        fresh = _evaluating(pk=case_id)
        if not retry or not fresh:
            return "skipped"
        return _settle_one(fresh[0], period=period, evaluated_at=evaluated_at, retry=False)
    return counted
