"""SQL statements per HTTP request (create, accept), project against bare; optional profile.

    python bench/sql_profile.py [--requests 30] [--show] [--profile 200] [--top 30]

In-process, through DRF's APIClient (the whole WSGI stack: middleware, token auth,
permissions, view, serializer — no socket, no gunicorn), on PostgreSQL databases of their
own, with the same tokens as over HTTP (project: knox from POST /api/v1/auth/token/; bare:
DRF's TokenAuthentication). Every statement Django sends goes through
`connection.execute_wrapper`, which counts it; psycopg2 opens the transaction itself and
Django commits through the connection, so BEGIN and COMMIT are never among them (a
SAVEPOINT would be, and is listed). After a few warm-up requests, `--requests` creates and
`--requests` accepts (of cases classified in-process) are counted on each side; the figure
is the largest count (the odd request renewing its token writes once more: shown as min–max).

`--show` lists one request's statements with the line of project (or library) code that
sent each. `--profile N` runs cProfile over N more requests of each kind (project only) and
prints the top functions by cumulative time per request; the mean time per request
without the profiler is printed beside it.
"""

import argparse
import cProfile
import json
import os
import pstats
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, analyze, database_create, db_name, result  # noqa: E402

TARGET = 8
WARMUP = 5
VENV = sys.prefix  # the virtualenv: library code


def origin() -> str:
    """The innermost frame of project code (casework/, workflows/, config/) that led here,
    and the innermost library frame below it if that is not Django's ORM itself."""
    frames = traceback.extract_stack()[:-3]
    ours = [f for f in frames if f.filename.startswith(str(ROOT)) and "/bench/" not in
            f.filename and not f.filename.startswith(VENV)]
    if not ours:
        ours = [f for f in frames if "/bench/" in f.filename]
    mine = ours[-1] if ours else frames[-1]
    where = f"{os.path.relpath(mine.filename, ROOT)}:{mine.lineno} {mine.name}"
    after = frames[frames.index(mine) + 1:]
    lib = [f for f in after if "/django/db/" not in f.filename and f.filename.startswith(VENV)]
    if lib:
        f = lib[-1]
        where += f" → {f.filename.split('site-packages/')[-1]}:{f.lineno} {f.name}"
    return where


class Recorder:
    def __init__(self):
        self.statements: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, origin()))
        return execute(sql, params, many, context)


def counted(call) -> list[tuple[str, str]]:
    from django.db import connection

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        call()
    return recorder.statements


def project_side(args) -> dict:
    from bench.common import django_setup

    url = database_create(db_name("sql"), fresh=True)
    django_setup(url)
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from casework.actors import actor_for_user
    from casework.demo import demo_seed
    from casework.models import Case, Category, Grid, Unit
    from casework.services.cases import case_transition

    demo_seed(password="bench", cases=False)
    analyze(url)
    grid = Grid.objects.get(code="C1-G1")
    unit = Unit.objects.get(code="property-1")
    category = Category.objects.filter(parent__isnull=False).order_by("id").first()
    dispatcher = actor_for_user(get_user_model().objects.get(username="dispatcher"))

    def client(username: str) -> APIClient:
        c = APIClient()
        token = c.post("/api/v1/auth/token/", {"username": username, "password": "bench"},
                       format="json").json()["token"]
        c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return c

    creator, acceptor = client("gridworker"), client("unitmember")
    body = {"title": "bench", "description": "d", "grid": grid.pk, "channel": "hall"}
    refs = []

    def create():
        response = creator.post("/api/v1/cases/", body, format="json")
        assert response.status_code == 201, response.content
        refs.append(response.json()["reference"])

    def classify_all():
        ids = dict(Case.objects.filter(state="collected").values_list("reference", "id"))
        for ref in refs:
            case_transition(actor=dispatcher, case_id=ids[ref], name="classify", version=1,
                            payload={"category": category.pk, "urgency": "normal",
                                     "difficulty": "small", "unit": unit.pk})

    def accept():
        response = acceptor.post(f"/api/v1/cases/{refs.pop()}/transitions/accept/",
                                 {"version": 2}, format="json")
        assert response.status_code == 200, response.content

    return measure(args, create, classify_all, accept, profile=True)


def bare_side(args) -> dict:
    from bench.bare.setup import bare_setup

    url = database_create(db_name("bare_sql"), fresh=True)
    token = bare_setup(url)
    analyze(url)
    from rest_framework.test import APIClient

    from bench.bare import ops
    from bench.bare.models import Case

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    ids = []

    def create():
        response = c.post("/cases/", {"title": "bench", "description": "d", "grid": 1,
                                      "channel": "hall"}, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])

    def classify_all():
        for pk in Case.objects.filter(state="collected").values_list("id", flat=True):
            ops.case_transition(case_id=pk, name="classify", version=1, payload={})

    def accept():
        response = c.post(f"/cases/{ids.pop()}/transitions/accept/", {"version": 2},
                          format="json")
        assert response.status_code == 200, response.content

    return measure(args, create, classify_all, accept, profile=False)


def measure(args, create, classify_all, accept, *, profile: bool) -> dict:
    """Warm-up, counted, timed and (project) profiled requests: creates, then accepts of
    exactly those cases once they are classified."""
    n, extra = args.requests, (args.profile if profile else 0)
    out = {}
    for kind, call in (("create", create), ("accept", accept)):
        if kind == "accept":
            classify_all()
        for _ in range(WARMUP):
            call()
        runs = [counted(call) for _ in range(n)]
        began = time.perf_counter()
        for _ in range(n):
            call()
        out[kind] = {"counts": [len(s) for s in runs], "statements": runs[-1],
                     "ms": (time.perf_counter() - began) * 1000 / n}
        if extra:
            profiler = cProfile.Profile()
            began = time.perf_counter()
            profiler.runcall(lambda call=call: [call() for _ in range(extra)])
            out.setdefault("profile", {})[kind] = {
                "runs": extra, "top": top(profiler, extra, args.top),
                "ms": (time.perf_counter() - began) * 1000 / extra}
    return out


def top(profiler, runs: int, limit: int) -> dict:
    """Per request: the project's own functions by cumulative time (where to cut), and all
    functions by own time (what the time is spent on)."""
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        where = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        rows.append((cumtime, tottime, calls, f"{where}:{line}({name})"))

    def shown(selected):
        return [f"{cum * 1000 / runs:8.2f} {tot * 1000 / runs:7.2f} {calls / runs:8.1f}  {label}"
                for cum, tot, calls, label in selected[:limit]]

    project = sorted((r for r in rows if r[3].startswith(("casework/", "workflows/", "config/"))),
                     reverse=True)
    own = sorted(rows, key=lambda r: r[1], reverse=True)
    return {"project code, by cumulative time": shown(project), "all, by own time": shown(own)}


def abridged(sql: str) -> str:
    """The statement with long column lists cut to their first column."""
    sql = re.sub(r"^SELECT (\S+?), .*? FROM ", r"SELECT \1, … FROM ", sql, flags=re.DOTALL)
    sql = re.sub(r"^(INSERT INTO \S+ \(\S+?), [^)]*\) VALUES \([^)]*\)", r"\1, …) VALUES (…)", sql)
    return re.sub(r"^(UPDATE \S+ SET .{60}).*?( WHERE )", r"\1…\2", sql, flags=re.DOTALL)


def child(side: str, args) -> None:
    out = project_side(args) if side == "project" else bare_side(args)
    print("##JSON " + json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--show", action="store_true", help="list the statements and origins")
    parser.add_argument("--profile", type=int, default=0, help="requests to profile, each kind")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--side", choices=["project", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args.side, args)
        return

    os.environ.setdefault("DEBUG", "0")
    sides = {}
    for side in ("project", "bare"):
        flags = ["--requests", str(args.requests), "--profile", str(args.profile),
                 "--top", str(args.top), "--side", side]
        out = subprocess.run([sys.executable, __file__, *flags], check=True, text=True,
                             stdout=subprocess.PIPE).stdout
        sides[side] = json.loads(next(line for line in out.splitlines()
                                      if line.startswith("##JSON "))[7:])
    for kind in ("create", "accept"):
        for side in ("project", "bare"):
            data = sides[side][kind]
            counts = data["counts"]
            print(f"{kind:<6} {side:<8} {min(counts)}–{max(counts)} statements per request, "
                  f"{data['ms']:.2f} ms per request in-process", flush=True)
            if args.show:
                for sql, where in data["statements"]:
                    print(f"    {abridged(sql)}\n        ← {where}")
    for side, data in sides.items():
        for kind, p in data.get("profile", {}).items():
            print(f"\ncProfile, {side} {kind}: {p['runs']} requests, {p['ms']:.2f} ms per "
                  f"request under the profiler (without: {data[kind]['ms']:.2f} ms)")
            for title, lines in p["top"].items():
                print(f"{'cum ms':>8} {'own ms':>7} {'calls':>8}  {title} (per request)")
                print("\n".join(lines))
    for kind in ("create", "accept"):
        p, b = max(sides["project"][kind]["counts"]), max(sides["bare"][kind]["counts"])
        target = kind == "accept"
        result(f"SQL statements per HTTP {kind}", p, "", spread=(
            min(sides["project"][kind]["counts"]), p), baseline=b,
            target=f"<= {TARGET} (BEGIN/COMMIT aside)" if target else "",
            ok=(p <= TARGET) if target else None)


if __name__ == "__main__":
    main()
