"""The monthly evaluation on a big database (PostgreSQL): run time and peak memory.

    python bench/evaluation.py [--total 100000] [--month 10000] [--keep]
    python bench/evaluation.py --total 1000000 --month 100000        # the full size
    python bench/evaluation.py --total 1000000 --month 100000 --build-only, then --keep
                                             # build once, measure without other load

Builds (COPY, in batches, with progress) a database of its own with `--total` cases: the
`--month` of them in the period being evaluated, the rest closed over the year before, each
with its events and SLA clocks as the services write them (and breaches where a clock ran
late). The month's cases stop at every point of the lifecycle; about a quarter wait in
`evaluating`, rated or not, for the evaluation day to settle.

Then, on a copy of that database and in a fresh process (so its memory is the run's, not the generator's), it runs
`evaluation_run` for the period and prints the wall time and that process's peak RSS
(VmHWM from /proc/self/status; `ru_maxrss` where there is none), then `evaluation_verify` (the figures alone,
recomputed from the log) with its time.
"""

import argparse
import csv
import io
import json
import random
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG_SERVER, database_create, db_name, django_setup, result

DB_NAME = db_name("evaluation")
BATCH = 20_000
COMMUNITIES, GRIDS_PER_COMMUNITY, UNITS = 20, 5, 40
# Where the month's cases stop (share of the month), and what the path records.
MONTH_PATHS = [
    ("closed", 0.30),
    ("eval_rated", 0.12),
    ("eval_unrated", 0.10),
    ("handling", 0.20),
    ("classified", 0.10),
    ("on_spot", 0.13),
    ("rejected", 0.05),
]
OUTCOMES = [("fixed", 70), ("explained", 15), ("not_responsible", 10), ("unable", 5)]
RATINGS = [("satisfied", 70), ("basically_satisfied", 20), ("dissatisfied", 10)]


def organisation() -> tuple[list, list, list]:
    """seed_demo's street plus more communities, grids and units: (grids, units, categories)."""
    from casework.demo import demo_seed
    from casework.models import Category, Community, Grid, Street, Unit

    demo_seed(password="bench", cases=False)
    street = Street.objects.get()
    for c in range(COMMUNITIES):
        community, _ = Community.objects.get_or_create(
            code=f"B{c:02d}", defaults={"name": f"基准社区{c:02d}", "street": street}
        )
        for g in range(GRIDS_PER_COMMUNITY):
            Grid.objects.get_or_create(
                code=f"B{c:02d}-G{g}", defaults={"name": f"基准网格{c:02d}-{g}", "community": community}
            )
    for u in range(UNITS):
        Unit.objects.get_or_create(
            code=f"bench-unit-{u:02d}",
            defaults={"name": f"基准承办单位{u:02d}", "kind": "department", "street": street},
        )
    grids = list(Grid.objects.values_list("id", "community_id"))
    units = list(Unit.objects.values_list("id", flat=True))
    categories = list(Category.objects.filter(parent__isnull=False).values_list("id", flat=True))
    return grids, units, categories


def weighted(rng: random.Random, choices):
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


class Writer:
    """Rows for one COPY batch per table, flushed together."""

    def __init__(self, cursor, tables: dict[str, list[str]]):
        self.cursor, self.tables = cursor, tables
        self.buffers = {name: io.StringIO() for name in tables}
        self.writers = {name: csv.writer(buf) for name, buf in self.buffers.items()}

    def add(self, table: str, row: list) -> None:
        self.writers[table].writerow([r"\N" if v is None else v for v in row])

    def flush(self) -> None:
        for table, columns in self.tables.items():
            buffer = self.buffers[table]
            buffer.seek(0)
            self.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
            self.buffers[table] = io.StringIO()
            self.writers[table] = csv.writer(self.buffers[table])


def case_story(rng, path: str, t0, end):
    """[(transition, from, to, at, payload)], plus the clocks, for one case; steps after
    `end` are cut off (the case stops where it was)."""
    steps, timers = [], []
    unit, category = rng.choice(UNIT_IDS), rng.choice(CATEGORY_IDS)
    t = t0
    state = "collected"

    def step(name, to, payload, hours):
        nonlocal t, state
        at = t + timedelta(hours=hours)
        if at >= end:
            raise StopIteration
        steps.append((name, state, to, at, payload))
        t, state = at, to
        return at

    grid, _community = rng.choice(GRIDS)
    steps.append(("collect", "", "collected", t0,
                  {"channel": "hall", "grid": grid, "category": None, "urgency": "normal"}))
    fields = {"grid": grid, "unit": None, "category": None, "outcome": "", "satisfaction": ""}
    try:
        if path == "rejected":
            step("reject", "rejected", {"reason": "重复", "duplicate_of": None}, rng.uniform(1, 48))
        elif path == "on_spot":
            step("resolve_on_spot", "evaluating", {"result": "当场解决"}, rng.uniform(0.2, 4))
            fields["outcome"] = "fixed"
            if rng.random() < 0.5:
                rating = weighted(rng, RATINGS)
                step("rate", "evaluating", {"satisfaction": rating, "comment": "", "source": "resident"},
                     rng.uniform(1, 96))
                fields["satisfaction"] = rating
        else:
            classified = step("classify", "classified", {"category": category, "urgency": "normal",
                              "difficulty": "small", "unit": unit}, rng.uniform(0.5, 24))
            fields.update(unit=unit, category=category)
            respond = [classified, classified + timedelta(hours=24), None]
            timers.append(("respond", respond))
            if path != "classified":
                accepted = step("accept", "handling", {}, rng.uniform(0.5, 30))
                respond[2] = accepted
                resolve = [accepted, accepted + timedelta(days=7), None]
                timers.append(("resolve", resolve))
                if path != "handling":
                    outcome = weighted(rng, OUTCOMES)
                    resolve[2] = step("resolve", "evaluating", {"result": "已处理", "outcome": outcome},
                                      rng.uniform(2, 200))
                    fields["outcome"] = outcome
                    if path in ("eval_rated", "closed"):
                        rating = weighted(rng, RATINGS)
                        step("rate", "evaluating",
                             {"satisfaction": rating, "comment": "", "source": "resident"},
                             rng.uniform(1, 72))
                        fields["satisfaction"] = rating
                    if path == "closed":
                        step("close", "closed", {}, rng.uniform(1, 48))
    except StopIteration:
        pass
    return steps, timers, state, fields


def build(total: int, month: int, starts_at, ends_at) -> None:
    from django.db import connection

    global GRIDS, UNIT_IDS, CATEGORY_IDS
    GRIDS, UNIT_IDS, CATEGORY_IDS = organisation()
    communities = dict(GRIDS)
    from casework.models import Case, CaseEvent, SlaBreach, SlaTimer

    def columns(model):
        return [f.column for f in model._meta.concrete_fields]

    case_columns = columns(Case)
    event_columns = [c for c in columns(CaseEvent) if c != "id"]
    timer_columns = columns(SlaTimer)
    breach_columns = [c for c in columns(SlaBreach) if c != "id"]
    case_defaults = {f.column: f.get_default() for f in Case._meta.concrete_fields}
    rng = random.Random(20261120)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM casework_case")
        next_case = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM casework_slatimer")
        next_timer = cursor.fetchone()[0] + 1
        writer = Writer(cursor.cursor, {
            "casework_case": case_columns,
            "casework_caseevent": event_columns,
            "casework_slatimer": timer_columns,
            "casework_slabreach": breach_columns,
        })
        old = total - month
        paths = [p for p, _ in MONTH_PATHS]
        weights = [w for _, w in MONTH_PATHS]
        started = time.monotonic()
        for n in range(total):
            if n < old:
                path = "closed"
                t0 = starts_at - timedelta(days=365) + timedelta(seconds=rng.uniform(0, 350 * 86400))
                end = starts_at
            else:
                path = rng.choices(paths, weights=weights)[0]
                t0 = starts_at + timedelta(seconds=rng.uniform(0, (ends_at - starts_at).total_seconds() - 3600))
                end = ends_at
            steps, timers, state, fields = case_story(rng, path, t0, end)
            case_id = next_case
            next_case += 1
            last = steps[-1][3]
            row = {
                **case_defaults,
                "id": case_id, "reference": f"BENCH-{case_id:010d}", "version": len(steps),
                "title": "基准事项", "description": "bench", "channel": "hall",
                "grid_id": fields["grid"], "community_id": communities[fields["grid"]],
                "category_id": fields["category"], "urgency": "normal",
                "difficulty": "small" if fields["unit"] else "", "unit_id": fields["unit"],
                "outcome": fields["outcome"], "satisfaction": fields["satisfaction"],
                "rating_source": "resident" if fields["satisfaction"] else "",
                "state": state, "created_at": t0.isoformat(), "updated_at": last.isoformat(),
                "is_suspended": False, "lat": None, "long": None, "duplicate_of_id": None,
                "created_by_id": None,
            }
            writer.add("casework_case", [row[c] for c in case_columns])
            for seq, (name, src, dst, at, payload) in enumerate(steps, start=1):
                writer.add("casework_caseevent", [
                    {"case_id": case_id, "seq": seq, "transition": name, "from_state": src,
                     "to_state": dst, "actor_id": None, "at": at.isoformat(),
                     "payload": json.dumps(payload, ensure_ascii=False)}[c]
                    for c in event_columns
                ])
            for kind, (start, due, stopped) in timers:
                timer_id = next_timer
                next_timer += 1
                late = (stopped or end) > due
                timer = {
                    "id": timer_id, "case_id": case_id, "kind": kind,
                    "state": "breached" if late else ("stopped" if stopped else "running"),
                    "unit_id": fields["unit"], "started_at": start.isoformat(),
                    "due_at": due.isoformat(), "warn_at": (start + (due - start) * 0.8).isoformat(),
                    "warned_at": None, "paused_at": None, "paused_seconds": 0,
                    "stopped_at": stopped.isoformat() if stopped else None,
                    "next_check_at": None if (stopped or late) else (start + (due - start) * 0.8).isoformat(),
                    "attempts": 0, "last_error": "",
                }
                writer.add("casework_slatimer", [timer[c] for c in timer_columns])
                if late:
                    breach = {
                        "timer_id": timer_id, "case_id": case_id, "kind": kind,
                        "unit_id": fields["unit"], "community_id": communities[fields["grid"]],
                        "grid_id": fields["grid"], "due_at": due.isoformat(),
                        "breached_at": (due + timedelta(seconds=30)).isoformat(),
                        "acknowledged_at": None, "acknowledged_by_id": None, "comment": "",
                    }
                    writer.add("casework_slabreach", [breach[c] for c in breach_columns])
            if (n + 1) % BATCH == 0 or n + 1 == total:
                writer.flush()
                rate = (n + 1) / (time.monotonic() - started)
                print(f"  cases {n + 1:,}/{total:,} ({rate:,.0f}/s)", end="\r", flush=True)
        print()
        for table in ("casework_case", "casework_slatimer", "casework_caseevent", "casework_slabreach"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cursor.execute("ANALYZE")


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux's ru_maxrss carries the parent's peak across fork+exec
    (a child started by a parent that just built 100k cases reads 258 MB before doing
    anything), so read the address space's own high-water mark (VmHWM) where there is one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_in_fresh_process(url: str, period: str) -> None:
    """Child: django set up, run the evaluation, print time and peak RSS."""
    django_setup(url)
    from casework.services.evaluation_run import evaluation_run
    from casework.services.evaluation_verify import evaluation_verify

    started = time.perf_counter()
    report = evaluation_run(period=period)
    elapsed = time.perf_counter() - started
    rss_mb = peak_rss_mb()
    totals, settled = report.figures["totals"], report.figures["settled"]
    print(f"run: {elapsed:.1f} s, peak RSS {rss_mb:.0f} MB")
    full = report.figures["totals"]["received"] >= 90_000  # the full size: a 100k month
    result("evaluation run", round(elapsed, 1), "s", target="<= 30 s" if full else "",
           ok=elapsed <= 30 if full else None)
    result("evaluation peak RSS", round(rss_mb), "MB", target="<= 300 MB" if full else "",
           ok=rss_mb <= 300 if full else None)
    print(f"  settled {settled}; received {totals['received']:,}, dispatched "
          f"{totals['dispatched']:,}, handled {totals['handled']:,}, resolved "
          f"{totals['resolved']:,}; composite {totals['composite']}")
    started = time.perf_counter()
    differences = evaluation_verify(period=period)
    elapsed = time.perf_counter() - started
    rss_mb = peak_rss_mb()
    print(f"verify (figures recomputed from the log): {elapsed:.1f} s, "
          f"{len(differences)} differences, peak RSS so far {rss_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--month", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it exists")
    parser.add_argument("--build-only", action="store_true", help="build, do not run")
    parser.add_argument("--run-only", nargs=2, metavar=("URL", "PERIOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_only:
        run_in_fresh_process(*args.run_only)
        return

    url = database_create(DB_NAME, fresh=not args.keep)
    django_setup(url)
    from django.conf import settings
    from django.utils import timezone

    from casework.models import Case
    from workflows.evaluation_rules import period_due

    period = period_due(timezone.now(), settings.EVALUATION_DAY, settings.EVALUATION_HOUR)
    starts_at, ends_at = period.bounds(settings.EVALUATION_DAY, settings.EVALUATION_HOUR)
    if not Case.objects.exists():
        print(f"building {args.total:,} cases, {args.month:,} of them in {period} "
              f"({starts_at:%Y-%m-%d %H:%M} – {ends_at:%Y-%m-%d %H:%M})")
        started = time.monotonic()
        build(args.total, args.month, starts_at, ends_at)
        print(f"  built in {time.monotonic() - started:.0f} s")
    if args.build_only:
        return
    from django.db import connection

    connection.close()
    # Run on a copy, so the built database stays as built and the run can be measured again.
    copy = f"{DB_NAME}_run"
    admin = f"{PG_SERVER}/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {copy}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {copy} TEMPLATE {DB_NAME}"], check=True)
    subprocess.run(
        [sys.executable, __file__, "--run-only", f"{PG_SERVER}/{copy}", str(period)], check=True
    )


if __name__ == "__main__":
    main()
