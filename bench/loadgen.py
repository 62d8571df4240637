"""A small HTTP load generator: one process and one http.client connection per client.

Each client sends its requests one after another (a closed loop, as wrk with one connection
per thread) until its list ends or the run's time is up. gunicorn's sync workers close the
connection after every response, so http.client reconnects for each request; the bare and
the project server are loaded the same way. Processes, not threads, so the clients do not
queue behind one GIL.

The app's CPU per request comes from the gunicorn workers' utime + stime
(/proc/<pid>/stat), the database's from the PostgreSQL backends serving its database (found
by their process titles; same host), read before, every 0.2 s during and after the run, so a
connection that CONN_MAX_AGE replaces mid-run still counts up to its last reading; divided
by the requests served.
"""

import http.client
import json
import multiprocessing
import os
import queue
import socket
import time
from collections.abc import Callable, Iterable

from bench.common import percentile

TICK = os.sysconf("SC_CLK_TCK")

# (method, path, JSON body or None)
Request = tuple[str, str, dict | None]


def _client(host, port, headers, requests, deadline_at, keep, ready, go, start, out):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    latencies, statuses, kept = [], {}, []
    ready.release()
    go.wait()
    deadline = start.value + deadline_at
    for method, path, body in requests:
        if time.monotonic() >= deadline:
            break
        data = None if body is None else json.dumps(body).encode()
        began = time.perf_counter()
        try:
            conn.request(method, path, data, headers)
            if conn.sock is not None:
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            response = conn.getresponse()
            payload = response.read()
        except (ConnectionError, http.client.HTTPException, OSError):
            conn.close()
            statuses["error"] = statuses.get("error", 0) + 1
            continue
        took = time.perf_counter() - began
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if 200 <= response.status < 300:
            latencies.append(took)
            if keep is not None:
                kept.append(keep(json.loads(payload)))
        if response.will_close:
            conn.close()
    conn.close()
    out.put({"latencies": latencies, "statuses": statuses, "kept": kept,
             "finished": time.monotonic(), "cpu": time.process_time()})


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process `pid` so far; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14, 15 of stat


def children(pid: int) -> list[int]:
    """Direct children of `pid` (gunicorn's workers, given its master)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def postgres_backends(database: str) -> Callable[[], list[int]]:
    """A function giving the pids of the PostgreSQL backends connected to `database`
    (titles like `postgres: 15/main: user database 127.0.0.1(5432) idle`)."""
    marker = f" {database} ".encode()

    def pids() -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        title = f.read()
                except (FileNotFoundError, ProcessLookupError):
                    continue
                if title.startswith(b"postgres: ") and marker in title:
                    found.append(int(entry))
        return found

    return pids


def run(host: str, port: int, *, clients: list[Iterable[Request]], headers: dict,
        seconds: float, keep: Callable[[dict], object] | None = None,
        cpu: dict[str, Callable[[], list[int]]] | None = None) -> dict:
    """Run one client per iterable in `clients` until they end or `seconds` pass.

    Returns requests/s of 2xx answers over the wall time from the start to the last
    client's end, p50/p99/max latency of those in ms, the status counts, CPU ms per request
    of each group of processes in `cpu` (name: a function giving their pids, called before
    and after), the load generator's own CPU per request, and `keep(body)` of every 2xx
    answer (the created cases' references, say)."""
    cpu = cpu or {}
    fork = multiprocessing.get_context("fork")
    ready, go, out = fork.Semaphore(0), fork.Event(), fork.Queue()
    start = fork.Value("d", 0.0)
    headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    procs = [fork.Process(target=_client, args=(host, port, headers, requests, seconds, keep,
                                                ready, go, start, out))
             for requests in clients]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    cpu_before = {name: {pid: process_cpu(pid) for pid in pids()} for name, pids in cpu.items()}
    cpu_last = {name: dict(seen) for name, seen in cpu_before.items()}

    def sample():
        for name, pids in cpu.items():
            for pid in pids():
                cpu_last[name][pid] = max(cpu_last[name].get(pid, 0.0), process_cpu(pid))

    start.value = began = time.monotonic()
    go.set()
    results = []
    while len(results) < len(procs):
        try:
            results.append(out.get(timeout=0.2))
        except queue.Empty:
            sample()
    for p in procs:
        p.join()
    sample()
    wall = max(r["finished"] for r in results) - began
    latencies = [t for r in results for t in r["latencies"]]
    statuses: dict = {}
    for r in results:
        for code, n in r["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    requests = sum(statuses.values())
    # A process that appeared during the run counts from 0; one that ended, up to its last
    # reading (process_cpu gives 0 for it after, hence the max).
    cpu_ms = {name: sum(last[pid] - cpu_before[name].get(pid, 0.0) for pid in last)
              * 1000 / max(1, requests) for name, last in cpu_last.items()}
    return {
        "ok": len(latencies),
        "failed": requests - len(latencies),
        "statuses": statuses,
        "seconds": wall,
        "rate": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies, default=float("nan")) * 1000,
        "cpu_ms": cpu_ms,
        "client_cpu_ms_per_request": sum(r["cpu"] for r in results) * 1000 / max(1, requests),
        "kept": [k for r in results for k in r["kept"]],
    }
