"""HTTP case creation and accept through gunicorn: the project against a bare DRF baseline.

    python bench/api.py [--seconds 10] [--repeats 3] [--clients 4] [--workers 4]

Two gunicorn servers with the same settings (`--workers` sync workers, DEBUG=0,
CONN_MAX_AGE=60), each on a PostgreSQL database of its own:

- project: `config.wsgi` on `--port`; tokens from POST /api/v1/auth/token/ (knox, checked
  by casework.api.token_auth); POST /api/v1/cases/ as the grid worker, POST
  /api/v1/cases/{reference}/transitions/accept/ {"version": 2} as the unit member;
- bare: `bench.bare.wsgi` on `--port` + 1 (bench/bare: DRF APIViews behind DRF's
  TokenAuthentication, one query per request for the token and its user); POST /cases/
  (INSERT case + event) and POST /cases/{id}/transitions/accept/ {"version": 2} (SELECT …
  FOR UPDATE, UPDATE, INSERT event).

Load: bench/loadgen.py, `--clients` processes with one connection each. After a warm-up
of both servers:

1. create, interleaved project, bare, project, bare …: `--seconds` each;
2. the cases just created are classified (project: in-process with `case_transition` as
   the dispatcher; bare: one SQL statement — neither is measured), then ANALYZE on both;
3. accept, interleaved: each run accepts the same number of cases on both sides (the
   smaller side's supply ÷ repeats), each case exactly once.

Per run: requests/s (2xx only), p50/p99 latency, CPU ms per request of the gunicorn
workers (app) and of the PostgreSQL backends (db), from /proc. Then medians with min–max
and the ratio project ÷ bare (target ≥ 0.5). Everything shares the machine: the load
generator, gunicorn and PostgreSQL compete for the same cores, on both sides alike.
"""

import argparse
import http.client
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.common import (  # noqa: E402
    ROOT,
    analyze,
    compare,
    database_create,
    db_name,
    django_setup,
    result,
    summary,
)

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TARGET = 0.5
HOST = "127.0.0.1"


def gunicorn(wsgi: str, port: int, env: dict, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [GUNICORN, wsgi, "--bind", f"{HOST}:{port}", "--workers", str(workers),
         "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )


def wait_up(port: int, path: str) -> None:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"no server on port {port}")


class Side:
    def __init__(self, name: str, port: int, server: subprocess.Popen, db_url: str):
        self.name, self.port, self.server = name, port, server
        self.cpu = {"app": lambda: loadgen.children(server.pid),
                    "db": loadgen.postgres_backends(db_url.rsplit("/", 1)[1])}
        self.runs = {"create": [], "accept": []}
        self.pool: list = []  # created cases, in order

    def load(self, clients, headers, seconds, keep=None) -> dict:
        return loadgen.run(HOST, self.port, clients=clients, headers=headers, seconds=seconds,
                           keep=keep, cpu=self.cpu)


def show(kind: str, side: str, r: dict) -> None:
    bad = {k: v for k, v in r["statuses"].items() if not (isinstance(k, int) and k < 300)}
    print(f"  {kind:<6} {side:<8} {r['rate']:>8,.1f} req/s  p50 {r['p50_ms']:>5.1f} ms  "
          f"p99 {r['p99_ms']:>6.1f} ms  app {r['cpu_ms']['app']:>5.2f} ms  "
          f"db {r['cpu_ms']['db']:>5.2f} ms  loadgen {r['client_cpu_ms_per_request']:.2f} ms  "
          f"{r['ok']:,} ok{f', failed {bad}' if bad else ''}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each create run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers, each side")
    parser.add_argument("--conn-max-age", default="60")
    parser.add_argument("--port", type=int, default=8765, help="the bare server takes the next")
    args = parser.parse_args()

    url = database_create(db_name("api"), fresh=True)
    bare_url = database_create(db_name("bare_api"), fresh=True)
    bare_token = subprocess.run(
        [sys.executable, "-m", "bench.bare.setup"], cwd=ROOT, check=True, capture_output=True,
        text=True, env={**os.environ, "DATABASE_URL": bare_url}).stdout.split()[-1]
    django_setup(url)
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
    analyze(url)
    analyze(bare_url)

    common = {**os.environ, "DEBUG": "0", "LOG_LEVEL": "WARNING",
              "CONN_MAX_AGE": args.conn_max_age}
    servers = [
        gunicorn("config.wsgi", args.port, {**common, "DATABASE_URL": url,
                                            "DJANGO_SETTINGS_MODULE": "config.settings.base"},
                 args.workers),
        gunicorn("bench.bare.wsgi", args.port + 1,
                 {**common, "DATABASE_URL": bare_url,
                  "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}, args.workers),
    ]
    try:
        wait_up(args.port, "/.well-known/security.txt")
        wait_up(args.port + 1, "/cases/")
        project = Side("project", args.port, servers[0], url)
        bare = Side("bare", args.port + 1, servers[1], bare_url)
        tokens = {}
        for name in ("gridworker", "unitmember"):
            conn = http.client.HTTPConnection(HOST, args.port)
            conn.request("POST", "/api/v1/auth/token/",
                         json.dumps({"username": name, "password": "bench"}),
                         {"Content-Type": "application/json"})
            tokens[name] = json.loads(conn.getresponse().read())["token"]
        auth = {"project": {"create": {"Authorization": f"Token {tokens['gridworker']}"},
                            "accept": {"Authorization": f"Token {tokens['unitmember']}"}},
                "bare": {"create": {"Authorization": f"Token {bare_token}"},
                         "accept": {"Authorization": f"Token {bare_token}"}}}
        body = {"title": "bench", "description": "d", "grid": grid.pk, "channel": "hall"}
        creates = {"project": ("/api/v1/cases/", lambda out: out["reference"]),
                   "bare": ("/cases/", lambda out: out["id"])}

        def forever(path: str, client: int):
            for n in itertools.count():
                yield "POST", path, {**body, "title": f"bench {client}-{n}"}

        def create_run(side: Side, seconds: float) -> dict:
            path, keep = creates[side.name]
            clients = [forever(path, c) for c in range(args.clients)]
            r = side.load(clients, auth[side.name]["create"], seconds, keep)
            side.pool += r["kept"]
            return r

        print(f"gunicorn: {args.workers} sync workers each side, CONN_MAX_AGE="
              f"{args.conn_max_age}; load: {args.clients} client processes; CPU per request: "
              "app = gunicorn workers, db = PostgreSQL backends, loadgen = the clients")
        for side in (project, bare):
            create_run(side, 2)  # warm-up: imports, connections, caches
        print("create (POST, new case)")
        for _ in range(args.repeats):
            for side in (project, bare):
                r = create_run(side, args.seconds)
                side.runs["create"].append(r)
                show("create", side.name, r)

        print(f"classifying {len(project.pool):,} project cases in-process and "
              f"{len(bare.pool):,} bare ones in SQL …", flush=True)
        ids = dict(Case.objects.filter(state="collected").values_list("reference", "id"))
        for reference in project.pool:
            case_transition(actor=dispatcher, case_id=ids[reference], name="classify", version=1,
                            payload={"category": category.pk, "urgency": "normal",
                                     "difficulty": "small", "unit": unit.pk})
        connection.close()
        subprocess.run(["psql", bare_url, "-qc", """
            WITH c AS (UPDATE bare_case SET state = 'classified', version = 2
                       WHERE state = 'collected' RETURNING id)
            INSERT INTO bare_event (case_id, seq, transition, from_state, to_state, at, payload)
            SELECT id, 2, 'classify', 'collected', 'classified', now(), '{}' FROM c"""],
                       check=True)
        analyze(url)
        analyze(bare_url)

        warm = 10 * args.clients
        per_run = (min(len(project.pool), len(bare.pool)) - warm) // args.repeats
        paths = {"project": "/api/v1/cases/{}/transitions/accept/",
                 "bare": "/cases/{}/transitions/accept/"}

        def accept_run(side: Side, count: int) -> dict:
            batch, side.pool = side.pool[:count], side.pool[count:]
            clients = [[("POST", paths[side.name].format(ref), {"version": 2})
                        for ref in batch[c::args.clients]] for c in range(args.clients)]
            return side.load(clients, auth[side.name]["accept"], 60 * args.seconds)

        for side in (project, bare):
            accept_run(side, warm)
        print(f"accept (POST …/transitions/accept/, {per_run:,} cases per run and side)")
        for _ in range(args.repeats):
            for side in (project, bare):
                r = accept_run(side, per_run)
                side.runs["accept"].append(r)
                show("accept", side.name, r)
    finally:
        for server in servers:
            os.killpg(server.pid, 15)
        for server in servers:
            server.wait(timeout=30)

    print(f"\nmedian (min–max) of {args.repeats}, {args.clients} clients:")
    for kind in ("create", "accept"):
        p, b = project.runs[kind], bare.runs[kind]
        compare(f"HTTP {kind} req/s ({args.clients} clients)", "req/s",
                [r["rate"] for r in p], [r["rate"] for r in b], target=TARGET)
        for label, pick in (("p50", lambda r: r["p50_ms"]), ("p99", lambda r: r["p99_ms"])):
            compare(f"  {kind} {label} latency", "ms", [pick(r) for r in p],
                    [pick(r) for r in b])
        compare(f"  {kind} app CPU per request", "ms", [r["cpu_ms"]["app"] for r in p],
                [r["cpu_ms"]["app"] for r in b], digits=2)
        compare(f"  {kind} db CPU per request", "ms", [r["cpu_ms"]["db"] for r in p],
                [r["cpu_ms"]["db"] for r in b], digits=2)
        failed = sum(r["failed"] for r in p + b)
        if failed:
            result(f"  {kind} failed requests (all runs)", failed, "", ok=False)
    for kind in ("create", "accept"):
        for side in (project, bare):
            rates = summary(r["rate"] for r in side.runs[kind])
            print(f"  {kind:<6} {side.name:<8} {rates[0]:,.1f} req/s ({rates[1]:,.1f}–{rates[2]:,.1f})")


if __name__ == "__main__":
    main()
