"""Run the whole benchmark suite and print one summary table.

    python bench/run_all.py            # small sizes: a few minutes
    python bench/run_all.py --full     # the sizes of the targets (about an hour on 2 cores)
    python bench/run_all.py --only transitions,api,sql [--full] [--repeats 5]

Each part is a script of its own in bench/ (run them alone for their full output and
flags); this runs them one after another in child processes, streams their output, and
collects the `##BENCH` lines each prints for its headline figures. The transition and API
parts measure the project against the bare baselines in bench/bare (same writes, same
machine, same run, interleaved project, bare, project, bare …): the table shows the medians
with min–max over the repeats and the ratio of the medians (min–max of the per-repeat
ratios).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULT_PREFIX  # noqa: E402

HERE = Path(__file__).resolve().parent
PARTS = {
    # name: (small flags, full flags); --repeats is added to the parts that take it
    "transitions": (["--cases", "200"], ["--cases", "1000"]),
    "api": (["--seconds", "8"], ["--seconds", "30"]),
    "sql": (["--requests", "20"], ["--requests", "50"]),
    "case_list": (["--cases", "100000", "--reps", "5"], ["--cases", "1000000", "--reps", "10"]),
    "sla": (["--open", "10000", "--due", "200", "--burst", "1000"],
            ["--open", "100000", "--due", "1000", "--burst", "10000"]),
    "evaluation": (["--total", "100000", "--month", "10000"],
                   ["--total", "1000000", "--month", "100000"]),
}
SCRIPTS = {"sql": "sql_profile"}
REPEATED = {"transitions", "api"}


def run(name: str, flags: list[str]) -> list[dict]:
    print(f"\n=== {name} {' '.join(flags)}", flush=True)
    script = HERE / f"{SCRIPTS.get(name, name)}.py"
    process = subprocess.Popen([sys.executable, str(script), *flags], stdout=subprocess.PIPE,
                               text=True)
    rows = []
    for line in process.stdout:
        if line.startswith(RESULT_PREFIX):
            rows.append({"part": name, **json.loads(line[len(RESULT_PREFIX):])})
        else:
            print(line, end="", flush=True)
    if process.wait() != 0:
        rows.append({"part": name, "metric": "FAILED", "value": f"exit {process.returncode}",
                     "unit": "", "ok": False})
    return rows


def number(value) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def figure(value, spread=None, unit: str = "") -> str:
    if value is None:
        return ""
    text = number(value)
    if spread and spread[0] != spread[1]:
        text += f" ({number(spread[0])}–{number(spread[1])})"
    return f"{text} {unit}".rstrip()


def table(rows: list[dict]) -> str:
    head = (f"{'metric':<38} {'project':>28} {'bare baseline':>28} {'ratio':>16}  "
            f"{'target':<15} result")
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = r.get("ratio")
        shown_ratio = figure(ratio, r.get("ratio_spread")) if ratio is not None else ""
        verdict = {True: "pass", False: "MISS", None: ""}[r.get("ok")]
        lines.append(
            f"{r['metric']:<38} {figure(r['value'], r.get('spread'), r.get('unit', '')):>28} "
            f"{figure(r.get('baseline'), r.get('baseline_spread'), r.get('unit', '')):>28} "
            f"{shown_ratio:>16}  {r.get('target') or '':<15} {verdict}")
    return "\n".join(lines)


def calibration_ms() -> float:
    """A fixed pure-Python loop (best of 5), to compare the machine's speed across runs:
    every figure here is mostly Python time."""
    import time

    best = float("inf")
    for _ in range(5):
        began, x = time.process_time(), 0
        for i in range(1_000_000):
            x += i
        best = min(best, time.process_time() - began)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's sizes")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved repeats of each side (transitions, api)")
    args = parser.parse_args()
    rows = []
    calibration = calibration_ms()
    for name in args.only.split(","):
        small, full = PARTS[name]
        flags = full if args.full else small
        if name in REPEATED:
            flags = [*flags, "--repeats", str(args.repeats)]
        rows += run(name, flags)
    print(f"\n=== summary ({'full' if args.full else 'small'} sizes; bare baseline = "
          "bench/bare, the same writes in a bare Django/DRF project, measured in the same "
          f"run, interleaved; median (min–max) of {args.repeats})")
    print(f"machine: a 10**6-step Python loop took {calibration:.0f} ms of CPU at the start, "
          f"{calibration_ms():.0f} ms at the end; {os.cpu_count()} CPUs, load average "
          + " ".join(f"{v:.1f}" for v in os.getloadavg()))
    print(table(rows))


if __name__ == "__main__":
    main()
