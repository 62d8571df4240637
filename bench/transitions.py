"""In-process case transitions per second on PostgreSQL, beside pgbench simple-update.

    python bench/transitions.py [--cases 3000] [--clients 1,4] [--seconds 15]

Each client — a process of its own, as gunicorn or Celery workers are — takes its own cases
through classify → accept → resolve with the domain function (`case_transition`), one
database transaction per transition (with its event and SLA clocks), exactly as the API does
after parsing. The ratio is transitions/s ÷ pgbench transactions/s at the same client count.
"""

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_create, django_setup, pgbench_tps, result  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--seconds", type=int, default=15, help="pgbench duration")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    django_setup(database_create("casework_bench_transitions", fresh=True))
    from django.contrib.auth import get_user_model
    from django.db import connection

    from casework.actors import actor_for_user
    from casework.demo import demo_seed
    from casework.models import Case, Category, Grid, Unit
    from casework.services.cases import case_collect, case_transition

    demo_seed(password="bench", cases=False)
    users = {u.username: u for u in get_user_model().objects.all()}
    gridworker, dispatcher, unitmember = (
        actor_for_user(users[name]) for name in ("gridworker", "dispatcher", "unitmember")
    )
    grid = Grid.objects.get(code="C1-G1")
    unit = Unit.objects.get(code="property-1")
    category = Category.objects.filter(parent__isnull=False).first()

    started = time.perf_counter()
    for i in range(args.cases * len(clients)):
        case_collect(
            actor=gridworker,
            data={"title": f"bench {i}", "description": "d", "grid": grid.pk, "channel": "hall"},
        )
    collect_rate = args.cases * len(clients) / (time.perf_counter() - started)
    print(f"case_collect: {collect_rate:,.0f} cases/s (1 client)")

    steps = [
        (dispatcher, "classify",
         {"category": category.pk, "urgency": "normal", "difficulty": "small", "unit": unit.pk}),
        (unitmember, "accept", {}),
        (unitmember, "resolve", {"result": "done", "outcome": "fixed"}),
    ]
    case_ids = list(Case.objects.order_by("id").values_list("id", flat=True))
    rows = []
    for n, count in enumerate(clients):
        batch = case_ids[n * args.cases:(n + 1) * args.cases]
        shares = [batch[i::count] for i in range(count)]

        def work(ids, ready, go):
            connection.close()  # never share the parent's connection across fork
            connection.ensure_connection()
            ready.release()
            go.wait()
            for case_id in ids:
                version = 1
                for actor, name, payload in steps:
                    version = case_transition(
                        actor=actor, case_id=case_id, name=name, payload=payload,
                        version=version,
                    ).version
            connection.close()

        connection.close()
        fork = multiprocessing.get_context("fork")
        ready, go = fork.Semaphore(0), fork.Event()
        clients_ = [fork.Process(target=work, args=(share, ready, go)) for share in shares]
        for client in clients_:
            client.start()
        for _ in clients_:
            ready.acquire()
        started = time.perf_counter()
        go.set()
        for client in clients_:
            client.join()
            assert client.exitcode == 0, "a client failed"
        rate = len(batch) * len(steps) / (time.perf_counter() - started)
        pg = pgbench_tps(clients=count, seconds=args.seconds)
        rows.append((count, rate, pg, rate / pg))

    print(f"\n{'clients':>7} {'transitions/s':>14} {'pgbench tps':>12} {'ratio':>6}")
    for count, rate, pg, ratio in rows:
        print(f"{count:>7} {rate:>14,.0f} {pg:>12,.0f} {ratio:>6.2f}")
    for count, rate, pg, ratio in rows:
        result(f"transitions/s ({count} client{'s' if count > 1 else ''})", round(rate, 1),
               "/s", baseline=round(pg, 1), target="ratio >= 0.5", ok=ratio >= 0.5)


if __name__ == "__main__":
    main()
