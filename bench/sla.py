"""SLA breach lag and burst firing with real Celery workers and beat (PostgreSQL + Redis).

    python bench/sla.py [--open 100000] [--due 1000] [--burst 10000] [--workers 1,2]

lag:   `--open` running timers due far ahead, and `--due` more falling due one after another
       over 20 s while beat (every SLA_SWEEP_SECONDS=1) and 2 workers run: p50/p99 of
       breached_at − due_at.
burst: `--burst` timers all due at the same instant; time until the last breach is
       recorded, for each worker count.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_create, db_name, django_setup, result  # noqa: E402
from bench.processes import celery_env, purge, start_beat, start_worker, stop  # noqa: E402

BROKER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")


def timers_create(count: int, due_at_of, *, label: str) -> None:
    """`count` classified cases, each with a running respond timer due at due_at_of(i)."""
    from django.utils import timezone

    from casework.models import Case, Grid, SlaTimer, Unit

    grid = Grid.objects.get(code="C1-G1")
    unit = Unit.objects.get(code="property-1")
    now = timezone.now()
    start = Case.objects.count()
    batch = 5000
    for offset in range(0, count, batch):
        cases = Case.objects.bulk_create(
            Case(
                reference=f"SS-209901-{start + i:06d}",
                title=f"{label} {i}",
                description="bench",
                channel="hall",
                grid=grid,
                community_id=grid.community_id,
                unit=unit,
                created_at=now,
                updated_at=now,
            )
            for i in range(offset, min(offset + batch, count))
        )
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="classified")
        SlaTimer.objects.bulk_create(
            SlaTimer(
                case=case,
                kind="respond",
                unit=unit,
                started_at=now,
                due_at=due_at_of(offset + i),
                warn_at=due_at_of(offset + i),
                warned_at=now,  # skip the warning: this measures breaches
                next_check_at=due_at_of(offset + i),
            )
            for i, case in enumerate(cases)
        )
        print(f"  {label}: {min(offset + batch, count):,}/{count:,}", end="\r", flush=True)
    print()


def breaches_wait(case_label: str, expected: int, timeout: float) -> list[float]:
    from casework.models import SlaBreach

    deadline = time.monotonic() + timeout
    breaches = SlaBreach.objects.filter(case__title__startswith=case_label)
    while time.monotonic() < deadline and breaches.count() < expected:
        time.sleep(0.5)
    return [
        (b - d).total_seconds() for b, d in breaches.values_list("breached_at", "due_at")
    ]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()

    url = database_create(db_name("sla"), fresh=True)
    django_setup(url)
    from django.utils import timezone

    from casework.demo import demo_seed

    demo_seed(password="bench", cases=False)
    env = celery_env(url, BROKER, SLA_SWEEP_SECONDS="1")
    purge(env)

    print(f"lag: {args.open:,} open timers, {args.due:,} falling due over 20 s, 2 workers")
    far = timezone.now() + timedelta(days=365)
    timers_create(args.open, lambda i: far, label="open")
    processes = [start_worker(env, "lag1"), start_worker(env, "lag2"), start_beat(env)]
    try:
        time.sleep(5)  # let them connect
        first = timezone.now() + timedelta(seconds=5)
        spacing = 20 / max(args.due, 1)
        timers_create(args.due, lambda i: first + timedelta(seconds=i * spacing), label="due")
        lags = breaches_wait("due", args.due, timeout=120)
    finally:
        stop(*processes)
    lag_p50, lag_p99 = percentile(lags, 50), percentile(lags, 99)
    print(f"  fired {len(lags):,}/{args.due:,}; lag p50 {percentile(lags, 50):.2f} s, "
          f"p99 {percentile(lags, 99):.2f} s, max {max(lags):.2f} s")

    rows = []
    for count in [int(w) for w in args.workers.split(",")]:
        label = f"burst{count}"
        purge(env)
        processes = [start_worker(env, f"{label}-{n}") for n in range(count)] + [start_beat(env)]
        try:
            time.sleep(5)
            due = timezone.now() + timedelta(seconds=20)
            timers_create(args.burst, lambda i: due, label=label)
            wait = (due - timezone.now()).total_seconds()
            time.sleep(max(0.0, wait))
            started = time.monotonic()
            lags = breaches_wait(label, args.burst, timeout=300)
            elapsed = time.monotonic() - started
        finally:
            stop(*processes)
        rows.append((count, len(lags), max(lags) if lags else float("nan"), elapsed))

    print(f"\nburst of {args.burst:,} timers due at once")
    print(f"{'workers':>7} {'fired':>8} {'last breach after due (s)':>26} {'rate/s':>8}")
    for count, fired, last, elapsed in rows:
        print(f"{count:>7} {fired:>8,} {last:>26.1f} {fired / max(last, 0.001):>8,.0f}")
    result(f"SLA breach lag p50 ({args.open:,} open timers)", round(lag_p50, 2), "s")
    result(f"SLA breach lag p99 ({args.open:,} open timers)", round(lag_p99, 2), "s",
           target="<= 5 s", ok=lag_p99 <= 5)
    for count, fired, last, elapsed in rows:
        result(f"SLA burst of {args.burst:,} ({count} worker{'s' if count > 1 else ''})",
               round(last, 1), "s", target="<= 60 s" if args.burst >= 10_000 else "",
               ok=(fired == args.burst and last <= 60) if args.burst >= 10_000 else None)


if __name__ == "__main__":
    main()
