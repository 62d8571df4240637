"""The monthly evaluation day (定期评事, docs/evaluation.md), as pure rules: no I/O.

Periods. Period "2026-11" is the window that ENDS at the November evaluation run (by default
2026-11-20 09:00 Asia/Shanghai) and STARTS at 00:00 Asia/Shanghai of the day after the
previous evaluation day (2026-10-21 00:00). An event is "in the period" when
starts_at <= at < ends_at. The end is the scheduled time, not the moment the run happened,
so a late (catch-up) run counts exactly what an on-time run would have. As
docs/evaluation.md#periods says, the hours between the run and midnight of the evaluation day belong
to no period.

Settlement. Each case in `evaluating`: satisfied / basically satisfied → close;
dissatisfied → reopen; unrated and resolved more than 7 days before the scheduled run →
close as unrated; unrated and newer → carried to the next round.

Rates (4 decimal places, ROUND_HALF_UP, 0 when the denominator is 0):
response = responded_on_time / dispatched; resolution = resolved / handled;
satisfaction = (satisfied + w × basically_satisfied) / rated; composite = the weighted sum
of the three ROUNDED rates, rounded again to 4 places.

Rankings: by composite (high first), then resolution rate (high first), then name (by
Unicode code point), then code (codes are unique, so no two rows ever tie).

Percentile: p90 is the nearest-rank 90th percentile: sort the n values ascending and take
the k-th, k = ceil(0.9 × n) (the smallest value at or above which 90 % of the values lie).
It is always one of the values, never an interpolation, so SQLite and PostgreSQL agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .case_states import Satisfaction
from .working_time import SHANGHAI

RATE_PLACES = Decimal("0.0001")
HOURS_PLACES = Decimal("0.01")
UNRATED_CLOSE_AFTER = timedelta(days=7)

# What the evaluation day does with a case in `evaluating`.
CLOSE, CLOSE_UNRATED, REOPEN, CARRY = "close", "close_unrated", "reopen", "carry"


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> "Period":
        try:
            moment = datetime.strptime(value, "%Y-%m")
        except (TypeError, ValueError) as exc:
            raise PeriodError(f"not a period (YYYY-MM): {value!r}") from exc
        if not value[:4].isdigit() or len(value) != 7:
            raise PeriodError(f"not a period (YYYY-MM): {value!r}")
        return cls(moment.year, moment.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> "Period":
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> "Period":
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def run_time(self, day: int, hour: int) -> datetime:
        """When this period's evaluation is scheduled: its end."""
        return datetime.combine(date(self.year, self.month, day), time(hour), tzinfo=SHANGHAI)

    def bounds(self, day: int, hour: int) -> tuple[datetime, datetime]:
        """[starts_at, ends_at): from 00:00 after the previous evaluation day to this run."""
        previous = self.previous()
        starts = datetime.combine(
            date(previous.year, previous.month, day) + timedelta(days=1), time(0), tzinfo=SHANGHAI
        )
        return starts, self.run_time(day, hour)


def period_due(now: datetime, day: int, hour: int) -> Period:
    """The latest period whose evaluation time is at or before `now`."""
    local = now.astimezone(SHANGHAI)
    period = Period(local.year, local.month)
    return period if period.run_time(day, hour) <= now else period.previous()


def periods_between(first: Period, last: Period) -> list[Period]:
    """first … last inclusive, in order (empty when first is after last)."""
    periods = []
    while (first.year, first.month) <= (last.year, last.month):
        periods.append(first)
        first = first.next()
    return periods


def settlement(*, satisfaction: str, resolved_at: datetime | None, evaluated_at: datetime) -> str:
    """What the evaluation day does with one case in `evaluating`.

    `resolved_at` is the time of the case's latest resolve / resolve_on_spot / reopen event;
    `evaluated_at` is the period's scheduled run, so a late run decides as an on-time one.
    """
    if satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED):
        return CLOSE
    if satisfaction == Satisfaction.DISSATISFIED:
        return REOPEN
    if resolved_at is not None and resolved_at < evaluated_at - UNRATED_CLOSE_AFTER:
        return CLOSE_UNRATED
    return CARRY


def rate(numerator, denominator) -> Decimal:
    if not denominator:
        return Decimal(0).quantize(RATE_PLACES)
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


def rates(counts: dict, *, weights: dict, basic_weight: Decimal) -> dict[str, Decimal]:
    """The three rates and the composite score of one row of counts."""
    response = rate(counts["responded_on_time"], counts["dispatched"])
    resolution = rate(counts["resolved"], counts["handled"])
    satisfaction = rate(
        Decimal(counts["satisfied"]) + Decimal(basic_weight) * counts["basically_satisfied"],
        counts["rated"],
    )
    composite = (
        Decimal(weights["response"]) * response
        + Decimal(weights["resolution"]) * resolution
        + Decimal(weights["satisfaction"]) * satisfaction
    ).quantize(RATE_PLACES, ROUND_HALF_UP)
    return {
        "response_rate": response,
        "resolution_rate": resolution,
        "satisfaction_rate": satisfaction,
        "composite": composite,
    }


def rank_key(row: dict):
    return (-Decimal(row["composite"]), -Decimal(row["resolution_rate"]), row["name"], row["code"])


def ranked(rows: Iterable[dict]) -> list[dict]:
    """Rows in ranking order, each with its `rank` (1, 2, 3 … — ties broken as documented)."""
    return [{**row, "rank": n} for n, row in enumerate(sorted(rows, key=rank_key), start=1)]


def nearest_rank(n: int) -> int:
    """1-based position of the p90 value among n sorted values: ceil(0.9 n) in integers."""
    return (9 * n + 9) // 10


def hours(seconds) -> str | None:
    if seconds is None:
        return None
    return str((Decimal(seconds) / 3600).quantize(HOURS_PLACES, ROUND_HALF_UP))
