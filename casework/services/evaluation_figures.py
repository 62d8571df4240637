"""The period's figures (docs/evaluation.md#figures), computed set-based from the log.

Everything is read from the append-only tables — CaseEvent, plus SlaTimer for the on-time
judgement and the clocks' durations and SlaBreach for breaches — as they stood at the run
(`run_at`), never from the cases' current fields. So the same figures can be recomputed at
any later time (`verify_evaluation`) even after the cases have moved on.

How (a fixed number of queries, whatever the number of cases):
1. `casework_eval_facts`, a temporary table with one row per case touched in the period:
   where it belongs (grid from its `collect`, community, street, unit and category as the
   log has them at the run) and a 0/1 column per figure.
2. `casework_eval_clocks`: the respond/resolve clocks that stopped in the period, with
   their length in whole seconds (paused time excluded).
3. Per level (totals, streets, communities, …): one GROUP BY over the facts, and one window
   query over the clocks for the mean and the nearest-rank p90.
Rates, the composite and the ranks are then worked out per row (per group, not per case).

Definitions, per case (each case counted at most once per figure), W = [starts_at, ends_at):
- received: a `collect` in W; dispatched: a `classify` or `summon` in W (a summons is the
  multi-unit dispatch, docs/summons.md); rejected: a `reject` in W;
  consultations: an `escalate` in W;
- responded_on_time: dispatched, and none of its respond clocks started in W was late
  (stopped after due, or still not stopped at the run while past due);
- handled: dispatched or a `resolve_on_spot` in W;
- fixed / explained / not_responsible / unable: handled, `evaluating` or `closed` at the run,
  by the outcome of its latest resolve (resolve_on_spot is `fixed`);
  resolved = fixed + explained;
- resolved_on_time: resolved, and none of its resolve clocks (started by the run) was late;
- rated / satisfied / basically_satisfied / dissatisfied: a `rate` in W, by the latest one;
  rated_resident / rated_callback: the same rating, by who gave it — the resident through
  the follow link, or staff on a callback (回访) (payload `source`; a rating logged before
  the payload said so: without a staff actor it was the resident's, as migration 0012 has
  it). rated = rated_resident + rated_callback, and both count in the satisfaction rate;
- reopened: a `reopen` in W, or one the evaluation day of this period made (its payload
  carries `"evaluation": period`; such a reopen counts for that period only);
- breaches (+ breaches_<kind>): an SlaBreach recorded (breached_at) in W;
- respond/resolve hours: clocks that stopped in W, stop − start − paused; mean and p90.
A case belongs to the grid it was filed in and to its unit at the run (the latest
`classify` or `summon`, whose lead is the unit; a `return` takes it back, so on-spot cases
have no unit).
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import connection

from workflows.evaluation_rules import hours, ranked, rates

from ..models import Category, Community, Grid, Street, Unit

COUNTS = [
    "received",
    "dispatched",
    "responded_on_time",
    "handled",
    "resolved",
    "fixed",
    "explained",
    "not_responsible",
    "unable",
    "resolved_on_time",
    "rated",
    "rated_resident",
    "rated_callback",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "breaches",
    "breaches_respond",
    "breaches_resolve",
    "breaches_consult",
    "breaches_vote",
    "reopened",
    "consultations",
    "rejected",
]
# Counts a report holds only since ratings were counted by source: reports frozen before
# lack them (`verify_evaluation` then leaves them out; readers show them as unknown).
RATING_SOURCE_COUNTS = ["rated_resident", "rated_callback"]
TIMES = ["respond_hours_mean", "respond_hours_p90", "resolve_hours_mean", "resolve_hours_p90"]
RATES = ["response_rate", "resolution_rate", "satisfaction_rate", "composite"]

# Report list → the facts columns it groups by. The last three give supervisors and
# dispatchers the units and categories of their own street or community only.
LEVELS: dict[str, tuple[str, ...]] = {
    "totals": (),
    "streets": ("street_id",),
    "communities": ("community_id",),
    "grids": ("grid_id",),
    "units": ("unit_id",),
    "categories": ("category_id",),
    "street_units": ("street_id", "unit_id"),
    "street_categories": ("street_id", "category_id"),
    "community_units": ("community_id", "unit_id"),
    "community_categories": ("community_id", "category_id"),
}
RANKED = {"grids", "units", "street_units", "community_units"}
KEY_MODELS = {
    "street_id": Street,
    "community_id": Community,
    "grid_id": Grid,
    "unit_id": Unit,
    "category_id": Category,
}
# The key a row is named by (its code and name); the other key becomes a parent field.
KEY_PARENT_FIELD = {"street_id": "street", "community_id": "community"}

FACTS = "casework_eval_facts"
CLOCKS = "casework_eval_clocks"


class _Dialect:
    """The few spellings SQLite and PostgreSQL do not share."""

    def __init__(self, vendor: str):
        self.postgres = vendor == "postgresql"

    def text(self, column: str, key: str) -> str:
        if self.postgres:
            return f"({column} ->> '{key}')"
        return f"json_extract({column}, '$.{key}')"

    def int(self, column: str, key: str) -> str:
        if self.postgres:
            return f"CAST({column} ->> '{key}' AS BIGINT)"
        return f"CAST(json_extract({column}, '$.{key}') AS INTEGER)"

    def epoch(self, column: str) -> str:
        """Whole seconds since 1970 (truncated alike on both)."""
        if self.postgres:
            return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
        return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _facts_sql(d: _Dialect) -> str:
    in_period = "e.at >= %(start)s AND e.at < %(end)s"
    mark = d.text("e.payload", "evaluation")
    late = (
        "(CASE WHEN tm.stopped_at IS NOT NULL AND tm.stopped_at <= %(run)s "
        "THEN tm.stopped_at ELSE %(run)s END) > tm.due_at"
    )
    settled = "(dispatched = 1 OR on_spot = 1) AND state_at_run IN ('evaluating', 'closed')"
    return f"""
CREATE TEMP TABLE {FACTS} AS
WITH touched AS (
    -- Retention's record is no activity (docs/privacy.md#retention).
    SELECT e.case_id FROM casework_caseevent e WHERE {in_period} AND e.transition <> 'anonymised'
    UNION
    SELECT e.case_id FROM casework_caseevent e
     WHERE e.transition = 'reopen' AND e.at >= %(end)s AND e.at <= %(run)s
       AND {mark} = %(period)s
    UNION
    SELECT b.case_id FROM casework_slabreach b
     WHERE b.breached_at >= %(start)s AND b.breached_at < %(end)s
),
marks AS (
    SELECT e.case_id,
        MAX(CASE WHEN e.transition = 'collect' THEN e.seq END) AS collect_seq,
        MAX(CASE WHEN e.transition IN ('classify', 'summon') THEN e.seq END) AS classify_seq,
        MAX(CASE WHEN e.transition IN ('classify', 'summon', 'return') THEN e.seq END)
            AS assign_seq,
        MAX(CASE WHEN e.transition IN ('resolve', 'resolve_on_spot') THEN e.seq END)
            AS resolution_seq,
        MAX(CASE WHEN e.transition = 'rate' AND {in_period} THEN e.seq END) AS rating_seq,
        MAX(e.seq) AS last_seq,
        MAX(CASE WHEN e.transition = 'collect' AND {in_period} THEN 1 ELSE 0 END) AS received,
        MAX(CASE WHEN e.transition IN ('classify', 'summon') AND {in_period} THEN 1 ELSE 0 END)
            AS dispatched,
        MAX(CASE WHEN e.transition = 'resolve_on_spot' AND {in_period} THEN 1 ELSE 0 END)
            AS on_spot,
        MAX(CASE WHEN e.transition = 'reject' AND {in_period} THEN 1 ELSE 0 END) AS rejected,
        MAX(CASE WHEN e.transition = 'escalate' AND {in_period} THEN 1 ELSE 0 END)
            AS consultations,
        MAX(CASE WHEN e.transition = 'reopen'
                  AND (({in_period} AND {mark} IS NULL) OR {mark} = %(period)s)
            THEN 1 ELSE 0 END) AS reopened
    FROM touched t JOIN casework_caseevent e ON e.case_id = t.case_id
    WHERE e.at <= %(run)s
    GROUP BY e.case_id
),
clocks AS (
    SELECT tm.case_id,
        MAX(CASE WHEN tm.kind = 'respond' AND tm.started_at >= %(start)s
                  AND tm.started_at < %(end)s AND {late} THEN 1 ELSE 0 END) AS respond_late,
        MAX(CASE WHEN tm.kind = 'resolve' AND {late} THEN 1 ELSE 0 END) AS resolve_late
    FROM touched t JOIN casework_slatimer tm ON tm.case_id = t.case_id
    WHERE tm.kind IN ('respond', 'resolve') AND tm.started_at <= %(run)s
    GROUP BY tm.case_id
),
breached AS (
    SELECT b.case_id,
        MAX(CASE WHEN b.kind = 'respond' THEN 1 ELSE 0 END) AS breaches_respond,
        MAX(CASE WHEN b.kind = 'resolve' THEN 1 ELSE 0 END) AS breaches_resolve,
        MAX(CASE WHEN b.kind = 'consult' THEN 1 ELSE 0 END) AS breaches_consult,
        MAX(CASE WHEN b.kind = 'vote' THEN 1 ELSE 0 END) AS breaches_vote
    FROM casework_slabreach b
    WHERE b.breached_at >= %(start)s AND b.breached_at < %(end)s
    GROUP BY b.case_id
),
raw AS (
    SELECT m.case_id, m.received, m.dispatched, m.on_spot, m.rejected, m.consultations,
        m.reopened,
        g.id AS grid_id, g.community_id, c.street_id,
        CASE WHEN m.assign_seq = m.classify_seq
            THEN COALESCE({d.int("cl.payload", "unit")}, {d.int("cl.payload", "lead")}) END
            AS unit_id,
        COALESCE({d.int("cl.payload", "category")}, {d.int("co.payload", "category")})
            AS category_id,
        last.to_state AS state_at_run,
        CASE WHEN res.transition = 'resolve_on_spot' THEN 'fixed'
             ELSE {d.text("res.payload", "outcome")} END AS outcome,
        {d.text("rt.payload", "satisfaction")} AS rating,
        COALESCE({d.text("rt.payload", "source")},
                 CASE WHEN rt.actor_id IS NULL THEN 'resident' ELSE 'callback' END)
            AS rating_source,
        COALESCE(k.respond_late, 0) AS respond_late,
        COALESCE(k.resolve_late, 0) AS resolve_late,
        COALESCE(b.breaches_respond, 0) AS breaches_respond,
        COALESCE(b.breaches_resolve, 0) AS breaches_resolve,
        COALESCE(b.breaches_consult, 0) AS breaches_consult,
        COALESCE(b.breaches_vote, 0) AS breaches_vote
    FROM marks m
    JOIN casework_caseevent co ON co.case_id = m.case_id AND co.seq = m.collect_seq
    JOIN casework_grid g ON g.id = {d.int("co.payload", "grid")}
    JOIN casework_community c ON c.id = g.community_id
    JOIN casework_caseevent last ON last.case_id = m.case_id AND last.seq = m.last_seq
    LEFT JOIN casework_caseevent cl ON cl.case_id = m.case_id AND cl.seq = m.classify_seq
    LEFT JOIN casework_caseevent res ON res.case_id = m.case_id AND res.seq = m.resolution_seq
    LEFT JOIN casework_caseevent rt ON rt.case_id = m.case_id AND rt.seq = m.rating_seq
    LEFT JOIN clocks k ON k.case_id = m.case_id
    LEFT JOIN breached b ON b.case_id = m.case_id
)
SELECT case_id, grid_id, community_id, street_id, unit_id, category_id,
    received,
    dispatched,
    CASE WHEN dispatched = 1 AND respond_late = 0 THEN 1 ELSE 0 END AS responded_on_time,
    CASE WHEN dispatched = 1 OR on_spot = 1 THEN 1 ELSE 0 END AS handled,
    CASE WHEN {settled} AND outcome IN ('fixed', 'explained') THEN 1 ELSE 0 END AS resolved,
    CASE WHEN {settled} AND outcome = 'fixed' THEN 1 ELSE 0 END AS fixed,
    CASE WHEN {settled} AND outcome = 'explained' THEN 1 ELSE 0 END AS explained,
    CASE WHEN {settled} AND outcome = 'not_responsible' THEN 1 ELSE 0 END AS not_responsible,
    CASE WHEN {settled} AND outcome = 'unable' THEN 1 ELSE 0 END AS unable,
    CASE WHEN {settled} AND outcome IN ('fixed', 'explained') AND resolve_late = 0
         THEN 1 ELSE 0 END AS resolved_on_time,
    CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END AS rated,
    CASE WHEN rating IS NOT NULL AND rating_source = 'resident' THEN 1 ELSE 0 END
        AS rated_resident,
    CASE WHEN rating IS NOT NULL AND rating_source = 'callback' THEN 1 ELSE 0 END
        AS rated_callback,
    CASE WHEN rating = 'satisfied' THEN 1 ELSE 0 END AS satisfied,
    CASE WHEN rating = 'basically_satisfied' THEN 1 ELSE 0 END AS basically_satisfied,
    CASE WHEN rating = 'dissatisfied' THEN 1 ELSE 0 END AS dissatisfied,
    CASE WHEN breaches_respond + breaches_resolve + breaches_consult + breaches_vote > 0
         THEN 1 ELSE 0 END AS breaches,
    breaches_respond, breaches_resolve, breaches_consult, breaches_vote,
    reopened,
    consultations,
    rejected
FROM raw
"""


def _clocks_sql(d: _Dialect) -> str:
    return f"""
CREATE TEMP TABLE {CLOCKS} AS
SELECT tm.case_id, tm.kind,
    {d.epoch("tm.stopped_at")} - {d.epoch("tm.started_at")} - tm.paused_seconds AS seconds
FROM {FACTS} f JOIN casework_slatimer tm ON tm.case_id = f.case_id
WHERE tm.kind IN ('respond', 'resolve')
  AND tm.stopped_at >= %(start)s AND tm.stopped_at < %(end)s
"""


def _counts_sql(keys: tuple[str, ...]) -> str:
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    where = " AND ".join(f"{key} IS NOT NULL" for key in keys) or "1 = 1"
    group = f"GROUP BY {', '.join(keys)}" if keys else ""
    columns = f"{', '.join(keys)}, " if keys else ""
    return f"SELECT {columns}{sums} FROM {FACTS} WHERE {where} {group}"


def _times_sql(keys: tuple[str, ...]) -> str:
    """Per group and clock kind: how many clocks, their total seconds, and the p90 — the
    value at nearest rank ceil(0.9 n), found with ROW_NUMBER and COUNT windows."""
    inner_keys = "".join(f"f.{key}, " for key in keys)
    outer_keys = "".join(f"{key}, " for key in keys)
    where = " AND ".join(f"f.{key} IS NOT NULL" for key in keys) or "1 = 1"
    return f"""
SELECT {outer_keys}kind, COUNT(*), SUM(seconds),
    MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN seconds END)
FROM (
    SELECT {inner_keys}c.kind, c.seconds,
        ROW_NUMBER() OVER (PARTITION BY {inner_keys}c.kind ORDER BY c.seconds) AS rn,
        COUNT(*) OVER (PARTITION BY {inner_keys}c.kind) AS n
    FROM {CLOCKS} c JOIN {FACTS} f ON f.case_id = c.case_id
    WHERE {where}
) x
GROUP BY {outer_keys}kind
"""


def _params(*, period: str, starts_at, ends_at, run_at) -> dict:
    adapt = connection.ops.adapt_datetimefield_value
    return {
        "period": period,
        "start": adapt(starts_at),
        "end": adapt(ends_at),
        "run": adapt(run_at),
    }


def figures_compute(
    *,
    period: str,
    starts_at: datetime,
    ends_at: datetime,
    run_at: datetime,
    weights: dict,
    basic_weight,
) -> dict:
    """Every list of the report for the period, as frozen in EvaluationReport.figures."""
    dialect = _Dialect(connection.vendor)
    params = _params(period=period, starts_at=starts_at, ends_at=ends_at, run_at=run_at)
    counts, times = {}, {}
    with connection.cursor() as cursor:
        _drop_temporary(cursor)
        cursor.execute(_facts_sql(dialect), params)
        cursor.execute(_clocks_sql(dialect), params)
        if dialect.postgres:  # temporary tables are never auto-analysed
            cursor.execute(f"ANALYZE {FACTS}; ANALYZE {CLOCKS}")
        try:
            for level, keys in LEVELS.items():
                cursor.execute(_counts_sql(keys))
                counts[level] = {
                    tuple(row[: len(keys)]): [int(v or 0) for v in row[len(keys):]]
                    for row in cursor.fetchall()
                }
                cursor.execute(_times_sql(keys))
                times[level] = defaultdict(dict)
                for row in cursor.fetchall():
                    key, (kind, clocks, total, p90) = tuple(row[: len(keys)]), row[len(keys):]
                    times[level][key][kind] = (int(clocks), int(total), int(p90))
        finally:
            _drop_temporary(cursor)
    names = _names(counts)
    weights = {name: Decimal(str(value)) for name, value in weights.items()}
    basic_weight = Decimal(str(basic_weight))
    figures = {}
    for level, keys in LEVELS.items():
        rows = [
            _row(keys, key, values, times[level].get(key, {}), names, weights, basic_weight)
            for key, values in counts[level].items()
        ]
        if level == "totals":
            figures[level] = rows[0] if rows else _row((), (), [0] * len(COUNTS), {}, names,
                                                         weights, basic_weight)
        elif level in RANKED:
            parent = KEY_PARENT_FIELD[keys[0]] if len(keys) == 2 else None
            figures[level] = _ranked_within(rows, parent)
        else:
            figures[level] = sorted(rows, key=_parent_and_code)
    return figures


def _drop_temporary(cursor) -> None:
    for table in (FACTS, CLOCKS):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _names(counts: dict) -> dict:
    """code and name for every id the groups mention, one query per kind of place."""
    wanted = defaultdict(set)
    for level, keys in LEVELS.items():
        for key in counts[level]:
            for column, value in zip(keys, key, strict=True):
                wanted[column].add(value)
    names = {}
    for column, ids in wanted.items():
        model = KEY_MODELS[column]
        for pk, code, name in model.objects.filter(pk__in=ids).values_list("pk", "code", "name"):
            names[(column, pk)] = (code, name)
    if wanted["grid_id"]:  # grids name their community, communities their street
        for pk, community in Grid.objects.filter(pk__in=wanted["grid_id"]).values_list(
            "pk", "community__code"
        ):
            names[("grid_parent", pk)] = community
    if wanted["community_id"]:
        for pk, street in Community.objects.filter(pk__in=wanted["community_id"]).values_list(
            "pk", "street__code"
        ):
            names[("community_parent", pk)] = street
    return names


def _row(keys, key, values, clocks, names, weights, basic_weight) -> dict:
    row: dict = {}
    if keys:
        *parents, (column, pk) = zip(keys, key, strict=True)
        for parent_column, parent_pk in parents:
            row[KEY_PARENT_FIELD[parent_column]] = names[(parent_column, parent_pk)][0]
        row["code"], row["name"] = names[(column, pk)]
        if column == "grid_id":
            row["community"] = names[("grid_parent", pk)]
        elif column == "community_id":
            row["street"] = names[("community_parent", pk)]
    counts = dict(zip(COUNTS, values, strict=True))
    row.update(counts)
    for kind in ("respond", "resolve"):
        n, total, p90 = clocks.get(kind, (0, None, None))
        row[f"{kind}_hours_mean"] = hours(Decimal(total) / n) if n else None
        row[f"{kind}_hours_p90"] = hours(p90)
    row.update(
        {name: str(value) for name, value in
         rates(counts, weights=weights, basic_weight=basic_weight).items()}
    )
    return row


def _parent_and_code(row: dict):
    return (row.get("street", ""), row.get("community", ""), row["code"])


def _ranked_within(rows: list[dict], parent: str | None) -> list[dict]:
    """The grids and units lists are ranked across the whole report; the cross-sections
    (a street's or a community's units) within their street or community."""
    if parent is None:
        return ranked(rows)
    groups = defaultdict(list)
    for row in rows:
        groups[row[parent]].append(row)
    return [row for key in sorted(groups) for row in ranked(groups[key])]
