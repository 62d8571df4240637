"""Shared set-up for the benchmarks: a PostgreSQL database of their own, Django configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


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


def pgbench_tps(*, clients: int, seconds: int, scale: int = 10) -> float:
    """`pgbench -b simple-update` on a database of its own on the same server."""
    url = database_create("casework_bench_pgbench", fresh=False)
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", str(scale), url], check=True, capture_output=True
    )
    out = subprocess.run(
        ["pgbench", "-n", "-b", "simple-update", "-c", str(clients), "-j", str(clients),
         "-T", str(seconds), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError(f"no tps in pgbench output:\n{out}")


# One line per headline figure, read by bench/run_all.py (the rest of the output is for people).
RESULT_PREFIX = "##BENCH "


def result(metric: str, value: float, unit: str = "", *, baseline: float | None = None,
           target: str = "", ok: bool | None = None) -> None:
    import json

    print(RESULT_PREFIX + json.dumps({
        "metric": metric, "value": value, "unit": unit, "baseline": baseline,
        "target": target, "ok": ok,
    }), flush=True)


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    import math

    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]
