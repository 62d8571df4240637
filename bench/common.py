"""Shared set-up for the benchmarks: a PostgreSQL database of their own, Django configured."""

import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# Every database the suite makes is named <prefix>_<part>; one prefix per person sharing a server.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "casework_bench")


def db_name(part: str) -> str:
    return f"{DB_PREFIX}_{part}"


def database_create(name: str, *, fresh: bool) -> str:
    """(Re)create database `name` on the benchmark server and return its URL."""
    admin = f"{PG_SERVER}/postgres"
    if fresh:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    exists = subprocess.run(
        ["psql", admin, "-qtAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    return f"{PG_SERVER}/{name}"


def analyze(url: str) -> None:
    """Fresh planner statistics after the set-up wrote its rows: with autovacuum off (as on
    the benchmark VM) nothing else takes them. Both sides of a comparison get the same."""
    subprocess.run(["psql", url, "-qc", "ANALYZE"], check=True)


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every query in memory
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# One line per headline figure, read by bench/run_all.py (the rest of the output is for people).
RESULT_PREFIX = "##BENCH "


def result(metric: str, value, unit: str = "", *, spread: tuple | None = None,
           baseline=None, baseline_spread: tuple | None = None,
           ratio: float | None = None, ratio_spread: tuple | None = None,
           target: str = "", ok: bool | None = None) -> None:
    """A headline figure. `baseline` is the bare baseline's figure for the same work (same
    run, interleaved); `spread` and `*_spread` are (min, max) over the repeats."""
    print(RESULT_PREFIX + json.dumps({
        "metric": metric, "value": value, "unit": unit, "spread": spread,
        "baseline": baseline, "baseline_spread": baseline_spread, "ratio": ratio,
        "ratio_spread": ratio_spread, "target": target, "ok": ok,
    }), flush=True)


def summary(values) -> tuple[float, float, float]:
    """(median, min, max) of a non-empty sequence."""
    values = list(values)
    return statistics.median(values), min(values), max(values)


def compare(metric: str, unit: str, project: list[float], bare: list[float], *,
            target: float | None = None, digits: int = 1) -> float:
    """Emit project vs bare over paired repeats: medians, min–max, the ratio of the medians
    and the range of the per-repeat ratios; return the ratio."""
    p, b = summary(project), summary(bare)
    ratio = p[0] / b[0]
    pairs = [x / y for x, y in zip(project, bare)]
    result(metric, round(p[0], digits), unit, spread=(round(p[1], digits), round(p[2], digits)),
           baseline=round(b[0], digits), baseline_spread=(round(b[1], digits), round(b[2], digits)),
           ratio=round(ratio, 2), ratio_spread=(round(min(pairs), 2), round(max(pairs), 2)),
           target=f"ratio >= {target}" if target is not None else "",
           ok=None if target is None else ratio >= target)
    return ratio


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]
