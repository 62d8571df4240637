"""HTTP case creation and transitions through gunicorn, beside pgbench simple-update.

    python bench/api.py [--seconds 20] [--clients 4] [--workers 4] [--pgbench-seconds 15]

Starts gunicorn (`config.wsgi`, sync workers, DEBUG=0, CONN_MAX_AGE=60 as in a deployment)
on a database of its own, takes API tokens for the seeded users (POST /api/v1/auth/token/),
then loads it with `wrk` (Debian package `wrk`), one connection per client:

1. creation: the grid worker POSTs /api/v1/cases/ for `--seconds`;
2. the cases just created are classified in-process (the dispatcher, domain function);
3. transitions: the unit member POSTs /api/v1/cases/{ref}/transitions/accept/ with the
   case's version, each case exactly once (a Lua script walks the list), for 2/3 of
   `--seconds` (so the cases last; a client past its share gets 409s, counted as failed).

Prints requests/s (2xx only), p50/p99 latency and the ratio to `pgbench -b simple-update`
at the same client count on the same server. Everything shares the machine: wrk, gunicorn
and PostgreSQL compete for the same cores, as they would on a one-box deployment.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, database_create, django_setup, pgbench_tps, result  # noqa: E402

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TARGET = 0.2

LUA_COMMON = r"""
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("ok")
    bad = bad + t:get("bad")
  end
  io.write(string.format("WRKRESULT %d %d %d %d %.0f %.0f %.0f\n", summary.requests,
    summary.duration, ok, bad, latency:percentile(50), latency:percentile(99), latency.max))
end
"""

LUA_CREATE = LUA_COMMON + r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token @TOKEN@"
local n = 0
function init(args)
  ok, bad = 0, 0
end
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"title": "bench %d-%d", "description": "d", "grid": @GRID@, "channel": "hall"}', id, n))
end
function response(status, headers, body)
  if status == 201 then ok = ok + 1 else bad = bad + 1 end
end
"""

LUA_ACCEPT = LUA_COMMON + r"""
local refs = {}
for line in io.lines("@REFS@") do refs[#refs + 1] = line end
local nthreads = @THREADS@
function init(args)
  ok, bad = 0, 0
  idx = id + 1
end
function request()
  -- Past the end of its share a client repeats its last case; that answers 409 and
  -- counts as failed (the run then had too few cases for its length: the script warns).
  local ref = refs[idx] or refs[#refs]
  idx = idx + nthreads
  return wrk.format("POST", "/api/v1/cases/" .. ref .. "/transitions/accept/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Token @TOKEN@"},
    '{"version": 2}')
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end
"""


def fill(template: str, **values) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key.upper()}@", str(value))
    return template


def wrk(url: str, script: str, *, clients: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        ["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", f.name, url],
        check=True, capture_output=True, text=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRKRESULT"))
    requests, duration_us, ok, bad, p50, p99, worst = (float(v) for v in line.split()[1:])
    return {"requests": int(requests), "seconds": duration_us / 1e6, "ok": int(ok),
            "bad": int(bad), "rate": ok / (duration_us / 1e6), "p50_ms": p50 / 1000,
            "p99_ms": p99 / 1000, "max_ms": worst / 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="creation run length")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--conn-max-age", default="60")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")

    url = database_create("casework_bench_api", fresh=True)
    django_setup(url)
    import requests
    from django.contrib.auth import get_user_model
    from django.db import connection

    from casework.actors import actor_for_user
    from casework.demo import demo_seed
    from casework.models import Case, Category, Grid, Unit
    from casework.services.cases import case_transition

    demo_seed(password="bench", cases=False)
    grid = Grid.objects.get(code="C1-G1")
    unit = Unit.objects.get(code="property-1")
    category = Category.objects.filter(parent__isnull=False).order_by("id").first()
    dispatcher = actor_for_user(get_user_model().objects.get(username="dispatcher"))
    connection.close()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DATABASE_URL": url,
           "DEBUG": "0", "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": args.conn_max_age}
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers",
         str(args.workers), "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    try:
        for _ in range(150):
            try:
                requests.get(f"{base}/api/v1/grids/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        tokens = {
            name: requests.post(f"{base}/api/v1/auth/token/",
                                json={"username": name, "password": "bench"}).json()["token"]
            for name in ("gridworker", "unitmember")
        }
        print(f"gunicorn: {args.workers} sync workers, CONN_MAX_AGE={args.conn_max_age}; "
              f"wrk: {args.clients} connections")
        create = fill(LUA_CREATE, token=tokens["gridworker"], grid=grid.pk)
        wrk(f"{base}/api/v1/cases/", create, clients=args.clients, seconds=3)  # warm-up
        # The measured run's cases and the warm-up's are all accepted later; the accept run
        # lasts 2/3 as long, so it has enough unless accept is ~1.5x faster than create.
        created = wrk(f"{base}/api/v1/cases/", create, clients=args.clients, seconds=args.seconds)
        print(f"  create: {created['rate']:,.0f}/s ({created['ok']:,} created, {created['bad']} "
              f"failed), p50 {created['p50_ms']:.1f} ms, p99 {created['p99_ms']:.1f} ms")

        refs = list(Case.objects.filter(state="collected").order_by("id")
                    .values_list("id", "reference"))
        print(f"  classifying {len(refs):,} cases in-process …", flush=True)
        started = time.monotonic()
        for n, (case_id, _ref) in enumerate(refs, start=1):
            case_transition(actor=dispatcher, case_id=case_id, name="classify", version=1,
                            payload={"category": category.pk, "urgency": "normal",
                                     "difficulty": "small", "unit": unit.pk})
            if n % 1000 == 0:
                print(f"    {n:,}/{len(refs):,} ({n / (time.monotonic() - started):,.0f}/s)",
                      end="\r", flush=True)
        print()
        connection.close()
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(ref for _id, ref in refs) + "\n")
        accept = fill(LUA_ACCEPT, token=tokens["unitmember"], refs=f.name, threads=args.clients)
        accepted = wrk(f"{base}/api/v1/cases/", accept, clients=args.clients,
                       seconds=max(1, args.seconds * 2 // 3))
        print(f"  accept: {accepted['rate']:,.0f}/s ({accepted['ok']:,} accepted, "
              f"{accepted['bad']} failed, {accepted['seconds']:.1f} s), "
              f"p50 {accepted['p50_ms']:.1f} ms, p99 {accepted['p99_ms']:.1f} ms")
        if accepted["ok"] >= 0.98 * len(refs):
            print("  WARNING: the accept run used up its cases; its rate is understated")
        handling = Case.objects.filter(state="handling").count()
        connection.close()
        print(f"  cases in handling afterwards: {handling:,}")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)

    # 0 skips pgbench (a smoke test of the script itself)
    pg = pgbench_tps(clients=args.clients, seconds=args.pgbench_seconds) if args.pgbench_seconds else float("nan")
    print(f"\n{'HTTP, ' + str(args.clients) + ' clients':<22} {'req/s':>8} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'pgbench tps':>12} {'ratio':>6}")
    for label, r in (("POST /cases/", created), ("POST …/accept/", accepted)):
        print(f"{label:<22} {r['rate']:>8,.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
              f"{pg:>12,.0f} {r['rate'] / pg:>6.2f}")
    for key, r in (("create", created), ("accept", accepted)):
        result(f"api {key} req/s ({args.clients} clients)", round(r["rate"], 1), "req/s",
               baseline=round(pg, 1), target=f"ratio >= {TARGET}", ok=r["rate"] / pg >= TARGET)
        result(f"api {key} p50/p99", f"{r['p50_ms']:.1f}/{r['p99_ms']:.1f}", "ms")
    print(json.dumps({"create": created, "accept": accepted, "pgbench": pg}))


if __name__ == "__main__":
    main()
