"""The case list at size: p50/p95 latency and SQL queries per request of GET /api/v1/cases/.

    python bench/case_list.py [--cases 100000] [--reps 10] [--pages 5] [--keep] [--explain]
    python bench/case_list.py --cases 1000000                      # the full size

Builds (COPY in batches of 20,000, with progress) a database of its own with `--cases` cases
spread over 22 communities (seed_demo's two and 20 more), 5 grids each, ~45 units and every
category, in every state, created over the last two years; the open ones carry their running
SLA clock, as the services leave them. Then, in-process through Django's test Client (the
whole DRF stack: token authentication, actor, filters, cursor pagination, serializer — no
HTTP socket, no gunicorn), it walks `--pages` pages following `next` for each scenario
below, `--reps` times, and reports p50/p95 per scenario and over all requests, and the SQL
statements per request (CaptureQueriesContext). `--explain` prints EXPLAIN ANALYZE of each
scenario's first-page query.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_create, db_name, django_setup, percentile, result  # noqa: E402

DB_NAME = db_name("case_list")
BATCH = 20_000
TARGET_P95_MS = 50
STATES = [("closed", 55), ("rejected", 5), ("evaluating", 12), ("handling", 12),
          ("classified", 8), ("collected", 7), ("consultation", 1)]
CHANNELS = ["hall", "point", "door_visit", "online", "hotline", "snapshot", "api"]


def build(total: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from bench.evaluation import Writer, organisation
    from casework.models import Case, SlaTimer

    grids, units, categories = organisation()
    case_columns = [f.column for f in Case._meta.concrete_fields]
    timer_columns = [f.column for f in SlaTimer._meta.concrete_fields]
    defaults = {f.column: f.get_default() for f in Case._meta.concrete_fields}
    rng = random.Random(20261122)
    states, weights = [s for s, _ in STATES], [w for _, w in STATES]
    now = timezone.now()
    span = 730 * 86400
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM casework_case")
        next_case = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM casework_slatimer")
        next_timer = cursor.fetchone()[0] + 1
        writer = Writer(cursor.cursor, {"casework_case": case_columns,
                                        "casework_slatimer": timer_columns})
        # created_at ascends with id, as it does when cases are filed.
        offsets = sorted(rng.uniform(0, span) for _ in range(total))
        for n in range(total):
            state = rng.choices(states, weights=weights)[0]
            grid, community = rng.choice(grids)
            created = now - timedelta(seconds=span - offsets[n])
            assigned = state not in ("collected", "rejected")
            row = {
                **defaults,
                "id": next_case, "reference": f"BENCH-{next_case:010d}", "version": 3,
                "title": f"基准事项 {n}", "description": "bench", "channel": rng.choice(CHANNELS),
                "grid_id": grid, "community_id": community, "address": "",
                "reporter_name": "", "reporter_phone": "13800005678",
                "category_id": rng.choice(categories) if assigned else None,
                "urgency": "normal", "difficulty": "small" if assigned else "",
                "unit_id": rng.choice(units) if assigned else None,
                "is_suspended": False, "outcome": "", "satisfaction": "",
                "state": state, "created_at": created.isoformat(),
                "updated_at": (created + timedelta(hours=1)).isoformat(),
                "lat": None, "long": None, "duplicate_of_id": None, "created_by_id": None,
            }
            writer.add("casework_case", [row[c] for c in case_columns])
            if state in ("collected", "classified", "handling"):
                kind = {"collected": "dispatch", "classified": "respond",
                        "handling": "resolve"}[state]
                if kind != "dispatch":
                    due = created + timedelta(days=7)
                    writer.add("casework_slatimer", [{
                        "id": next_timer, "case_id": next_case, "kind": kind, "state": "running",
                        "unit_id": row["unit_id"], "started_at": created.isoformat(),
                        "due_at": due.isoformat(), "warn_at": due.isoformat(), "warned_at": None,
                        "paused_at": None, "paused_seconds": 0, "stopped_at": None,
                        "next_check_at": due.isoformat(), "attempts": 0, "last_error": "",
                    }[c] for c in timer_columns])
                    next_timer += 1
            next_case += 1
            if (n + 1) % BATCH == 0 or n + 1 == total:
                writer.flush()
                rate = (n + 1) / (time.monotonic() - started)
                print(f"  cases {n + 1:,}/{total:,} ({rate:,.0f}/s)", end="\r", flush=True)
        print()
        for table in ("casework_case", "casework_slatimer"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        cursor.execute("ANALYZE")


def scenarios():
    from casework.models import Case, Grid, Unit

    unit = Unit.objects.get(code="property-1").pk
    # A category the dispatcher's community uses (that of its latest assigned case).
    category = (Case.objects.filter(community__code="C1", category__isnull=False)
                .order_by("-created_at").values_list("category_id", flat=True).first())
    grid = Grid.objects.get(code="C1-G1").pk
    return [
        ("dispatcher", "all", {}),
        ("dispatcher", "state=collected", {"state": "collected"}),
        ("dispatcher", "state=handling", {"state": "handling"}),
        ("dispatcher", "state=classified,handling", {"state": ["classified", "handling"]}),
        ("dispatcher", "unit", {"unit": unit}),
        ("dispatcher", "category", {"category": category}),
        ("dispatcher", "state=handling+unit", {"state": "handling", "unit": unit}),
        ("dispatcher", "grid", {"grid": grid}),
        ("gridworker", "all", {}),
        ("unitmember", "all", {}),
        ("unitmember", "state=handling", {"state": "handling"}),
        ("supervisor", "all", {}),
        ("supervisor", "state=collected", {"state": "collected"}),
    ]


def measure(*, reps: int, pages: int, explain: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from casework.services.api_tokens import api_token_issue

    users = {u.username: u for u in get_user_model().objects.all()}
    clients = {}
    for name in ("dispatcher", "gridworker", "unitmember", "supervisor"):
        clients[name] = (Client(), f"Token {api_token_issue(users[name])}")

    def walk(actor, params):
        """[(ms, queries or None, rows)] for `pages` pages following `next`."""
        client, auth = clients[actor]
        out, url, data = [], "/api/v1/cases/", params
        for _ in range(pages):
            started = time.perf_counter()
            response = client.get(url, data, HTTP_AUTHORIZATION=auth)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content[:300]
            body = response.json()
            out.append((elapsed, len(body["results"])))
            if not body["next"]:
                break
            url, data = body["next"], None
        return out

    rows, everything = [], []
    for actor, label, params in scenarios():
        walk(actor, params)  # warm caches (the page cache and Django's) once
        with CaptureQueriesContext(connection) as captured:
            client, auth = clients[actor]
            client.get("/api/v1/cases/", params, HTTP_AUTHORIZATION=auth)
        queries = len(captured.captured_queries)
        if explain:
            main = max(captured.captured_queries,
                       key=lambda q: ("FROM \"casework_case\"" in q["sql"]) + ("LIMIT" in q["sql"]))
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + main["sql"])
                plan = "\n".join(r[0] for r in cursor.fetchall())
            print(f"\n--- {actor} {label}\n{main['sql'][:400]}…\n{plan}\n")
        times, found = [], 0
        for _ in range(reps):
            sample = walk(actor, params)
            times += [ms for ms, _ in sample]
            found = sum(n for _, n in sample)
        everything += times
        rows.append((actor, label, len(times), found, percentile(times, 50),
                     percentile(times, 95), max(times), queries))
        print(f"  {actor:<11} {label:<27} p50 {rows[-1][4]:6.1f} ms  p95 {rows[-1][5]:6.1f} ms"
              f"  queries {queries}", flush=True)

    print(f"\n{'actor':<11} {'filter':<27} {'requests':>8} {'rows/walk':>9} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'max ms':>7} {'queries':>7}")
    for actor, label, count, found, p50, p95, worst, queries in rows:
        print(f"{actor:<11} {label:<27} {count:>8} {found:>9} {p50:>7.1f} {p95:>7.1f} "
              f"{worst:>7.1f} {queries:>7}")
    p50, p95 = percentile(everything, 50), percentile(everything, 95)
    worst95 = max(r[5] for r in rows)
    print(f"{'all':<11} {'':<27} {len(everything):>8} {'':>9} {p50:>7.1f} {p95:>7.1f}")
    result("case list p50 (all requests)", round(p50, 1), "ms")
    result("case list p95 (all requests)", round(p95, 1), "ms",
           target=f"<= {TARGET_P95_MS} ms", ok=p95 <= TARGET_P95_MS)
    result("case list p95 (worst scenario)", round(worst95, 1), "ms",
           target=f"<= {TARGET_P95_MS} ms", ok=worst95 <= TARGET_P95_MS)
    result("case list queries/request", max(r[7] for r in rows), "queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it exists")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    django_setup(database_create(DB_NAME, fresh=not args.keep))
    from casework.models import Case

    if not Case.objects.exists():
        print(f"building {args.cases:,} cases")
        started = time.monotonic()
        build(args.cases)
        print(f"  built in {time.monotonic() - started:.0f} s")
    else:
        from casework.demo import demo_seed

        demo_seed(password="bench", cases=False)
    print(f"{Case.objects.count():,} cases stored; {args.pages} pages × {args.reps} reps "
          f"per scenario, in-process (django.test.Client)")
    if not args.build_only:
        measure(reps=args.reps, pages=args.pages, explain=args.explain)


if __name__ == "__main__":
    main()
