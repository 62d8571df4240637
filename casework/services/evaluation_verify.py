"""Check a frozen report against the log (`verify_evaluation`, docs/evaluation.md#verification).

The figures are recomputed from CaseEvent (with the SLA timer and breach rows) as they
stood at the report's run time, with the weights the report was frozen with, and compared
item by item; the evaluation day's own closes and reopens are recounted from their events;
and the stored checksum must match the stored content. Any difference is reported.

Reports frozen before ratings were counted by source lack `rated_resident` and
`rated_callback`; for them those two are not compared (their checksum, over what is
stored, still holds), everything else is.
"""

from collections import Counter

from django.utils.translation import gettext as _

from ..errors import NotFound
from ..models import CaseEvent, EvaluationReport
from .evaluation_figures import LEVELS, RATING_SOURCE_COUNTS, figures_compute
from .evaluation_run import period_parse


def evaluation_verify(*, period: str) -> list[str]:
    """Every difference between the frozen report and the log, in words; [] when none."""
    period = str(period_parse(period))
    report = EvaluationReport.objects.filter(period=period).first()
    if report is None:
        raise NotFound(_("No evaluation report for %(period)s yet.") % {"period": period})
    differences = []
    if report.checksum != report.checksum_expected():
        differences.append("checksum: the stored report does not match its checksum")
    frozen = report.figures
    recomputed = figures_compute(
        period=period,
        starts_at=report.starts_at,
        ends_at=report.ends_at,
        run_at=report.run_at,
        weights=frozen.get("weights", {}),
        basic_weight=frozen.get("basic_satisfied_weight", "1"),
    )
    if not _counts_by_source(frozen):
        recomputed = _without(recomputed, RATING_SOURCE_COUNTS)
    for level in LEVELS:
        if level == "totals":
            differences += _row_differences("totals", frozen.get("totals") or {}, recomputed["totals"])
        else:
            differences += _list_differences(level, frozen.get(level) or [], recomputed[level])
    settled = _settled_from_log(period)
    for name, count in settled.items():
        stored = (frozen.get("settled") or {}).get(name, 0)
        if stored != count:
            differences.append(f"settled.{name}: frozen {stored}, log {count}")
    return differences


def _counts_by_source(frozen: dict) -> bool:
    return all(name in (frozen.get("totals") or {}) for name in RATING_SOURCE_COUNTS)


def _without(figures: dict, names) -> dict:
    def row(r: dict) -> dict:
        return {key: value for key, value in r.items() if key not in names}

    return {
        level: row(rows) if isinstance(rows, dict) else [row(r) for r in rows]
        for level, rows in figures.items()
    }


def _row_key(row: dict) -> str:
    return "/".join(str(row[k]) for k in ("street", "community", "code") if k in row)


def _list_differences(level: str, frozen: list, recomputed: list) -> list[str]:
    frozen_rows = {_row_key(row): row for row in frozen}
    fresh_rows = {_row_key(row): row for row in recomputed}
    differences = []
    for key in sorted(frozen_rows.keys() | fresh_rows.keys()):
        if key not in fresh_rows:
            differences.append(f"{level}[{key}]: in the report, not in the log")
        elif key not in frozen_rows:
            differences.append(f"{level}[{key}]: in the log, missing from the report")
        else:
            differences += _row_differences(f"{level}[{key}]", frozen_rows[key], fresh_rows[key])
    return differences


def _row_differences(where: str, frozen: dict, recomputed: dict) -> list[str]:
    return [
        f"{where}.{name}: frozen {frozen.get(name)!r}, recomputed {recomputed.get(name)!r}"
        for name in sorted(frozen.keys() | recomputed.keys())
        if frozen.get(name) != recomputed.get(name)
    ]


def _settled_from_log(period: str) -> Counter:
    counts = Counter(closed=0, closed_unrated=0, reopened=0)
    events = CaseEvent.objects.filter(
        payload__evaluation=period, transition__in=["close", "reopen"]
    ).values_list("transition", "payload__unrated")
    for transition, unrated in events:
        if transition == "reopen":
            counts["reopened"] += 1
        else:
            counts["closed_unrated" if unrated else "closed"] += 1
    return counts
