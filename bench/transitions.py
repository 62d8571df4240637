"""In-process case transitions, 1 client: the project against the bare Django ORM baseline.

    python bench/transitions.py [--cases 300] [--repeats 3]

Two worker processes, each with its own Django and its own PostgreSQL database, are set up
side by side: the project (`config.settings.base`, demo organisation, cases filed with
`case_collect`) and the bare baseline (`bench/bare`: one case model with id, state, version
and an event model). Then, interleaved — project, bare, project, bare … — each takes
`--cases` fresh cases through classify → accept → resolve, one transaction per transition:

- project: `casework.services.cases.case_transition` (the domain function the API calls
  after parsing: permission, lock, state machine, SLA clocks, event);
- bare: `bench.bare.ops.case_transition` (SELECT … FOR UPDATE, UPDATE state + version,
  INSERT event).

Prints transitions/s and CPU ms per transition (the worker's process time) per repeat, the
medians with min–max and the ratio project ÷ bare (target ≥ 0.7).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import analyze, compare, database_create, db_name, summary  # noqa: E402

TARGET = 0.7
STEPS = ("classify", "accept", "resolve")
WARMUP = 30


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def serve_project(url: str, total: int):
    from bench.common import django_setup

    django_setup(url)
    from django.contrib.auth import get_user_model

    from casework.actors import actor_for_user
    from casework.demo import demo_seed
    from casework.models import Category, Grid, Unit
    from casework.services.cases import case_collect, case_transition

    demo_seed(password="bench", cases=False)
    users = {u.username: u for u in get_user_model().objects.all()}
    gridworker, dispatcher, unitmember = (
        actor_for_user(users[name]) for name in ("gridworker", "dispatcher", "unitmember")
    )
    grid = Grid.objects.get(code="C1-G1")
    unit = Unit.objects.get(code="property-1")
    category = Category.objects.filter(parent__isnull=False).order_by("id").first()
    started, ids = time.monotonic(), []
    for i in range(total):
        ids.append(case_collect(actor=gridworker, data={
            "title": f"bench {i}", "description": "d", "grid": grid.pk, "channel": "hall"}).pk)
    log(f"project: {total:,} cases filed ({total / (time.monotonic() - started):,.0f}/s)")
    steps = [
        (dispatcher, "classify",
         {"category": category.pk, "urgency": "normal", "difficulty": "small", "unit": unit.pk}),
        (unitmember, "accept", {}),
        (unitmember, "resolve", {"result": "done", "outcome": "fixed"}),
    ]

    def cycle(case_id: int) -> None:
        version = 1
        for actor, name, payload in steps:
            version = case_transition(actor=actor, case_id=case_id, name=name, payload=payload,
                                      version=version).version

    return ids, cycle


def serve_bare(url: str, total: int):
    from bench.bare.setup import bare_setup

    bare_setup(url)
    from bench.bare import ops

    started = time.monotonic()
    ids = [ops.case_create(payload={"title": f"bench {i}", "description": "d", "grid": 1,
                                    "channel": "hall"}).pk for i in range(total)]
    log(f"bare: {total:,} cases filed ({total / (time.monotonic() - started):,.0f}/s)")
    payloads = {"classify": {"category": 1, "urgency": "normal", "difficulty": "small",
                             "unit": 1},
                "accept": {}, "resolve": {"result": "done", "outcome": "fixed"}}

    def cycle(case_id: int) -> None:
        version = 1
        for name in STEPS:
            version = ops.case_transition(case_id=case_id, name=name, version=version,
                                          payload=payloads[name]).version

    return ids, cycle


def serve(side: str, url: str, total: int) -> None:
    """A worker: set up, say READY, then run `run <n>` commands from stdin, one JSON line each."""
    ids, cycle = (serve_project if side == "project" else serve_bare)(url, total)
    from django.db import connection

    connection.close()
    analyze(url)
    print("READY", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[0] != "run":
            break
        batch, ids = ids[:int(command[1])], ids[int(command[1]):]
        if len(batch) < int(command[1]):
            sys.exit(f"{side}: out of cases")
        cpu, wall = time.process_time(), time.perf_counter()
        for case_id in batch:
            cycle(case_id)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(json.dumps({"transitions": len(batch) * len(STEPS), "seconds": wall, "cpu": cpu}),
              flush=True)


class Worker:
    def __init__(self, side: str, total: int):
        url = database_create(db_name("transitions" if side == "project" else "bare_transitions"),
                              fresh=True)
        self.side = side
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", side, "--url", url, "--total", str(total)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ready(self) -> None:
        line = self.process.stdout.readline()
        if line.strip() != "READY":
            sys.exit(f"{self.side} worker failed to start")

    def run(self, cases: int) -> dict:
        self.process.stdin.write(f"run {cases}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"{self.side} worker died")
        sample = json.loads(line)
        sample["rate"] = sample["transitions"] / sample["seconds"]
        sample["cpu_ms"] = sample["cpu"] * 1000 / sample["transitions"]
        return sample

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300, help="cases per repeat and side")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--serve", choices=["project", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.url, args.total)
        return

    total = WARMUP + args.cases * args.repeats
    workers = {side: Worker(side, total) for side in ("project", "bare")}  # set up side by side
    try:
        for worker in workers.values():
            worker.ready()
        for worker in workers.values():
            worker.run(WARMUP)
        samples = {"project": [], "bare": []}
        print(f"{'repeat':>6} {'side':<8} {'transitions/s':>14} {'CPU ms/transition':>18}")
        for repeat in range(1, args.repeats + 1):
            for side, worker in workers.items():
                sample = worker.run(args.cases)
                samples[side].append(sample)
                print(f"{repeat:>6} {side:<8} {sample['rate']:>14,.1f} {sample['cpu_ms']:>18.2f}",
                      flush=True)
    finally:
        for worker in workers.values():
            worker.close()

    project, bare = samples["project"], samples["bare"]
    print(f"\nmedian (min–max) of {args.repeats}, {args.cases} cases × 3 transitions each:")
    for label, key, fmt in (("transitions/s", "rate", "{:,.1f}"), ("CPU ms/transition", "cpu_ms", "{:.2f}")):
        for side, rows in (("project", project), ("bare ORM", bare)):
            med, lo, hi = summary(r[key] for r in rows)
            print(f"  {label:<18} {side:<8} {fmt.format(med)} ({fmt.format(lo)}–{fmt.format(hi)})")
    compare("in-process transitions/s (1 client)", "/s", [r["rate"] for r in project],
            [r["rate"] for r in bare], target=TARGET)
    compare("  CPU per transition", "ms", [r["cpu_ms"] for r in project],
            [r["cpu_ms"] for r in bare], digits=2)


if __name__ == "__main__":
    main()
