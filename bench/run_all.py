"""Run the whole benchmark suite and print one summary table.

    python bench/run_all.py            # small sizes: a few minutes
    python bench/run_all.py --full     # the sizes of the targets (about an hour on 2 cores)
    python bench/run_all.py --only api,case_list [--full]

Each part is a script of its own in bench/ (run them alone for their full output and
flags); this runs them one after another in child processes, streams their output, and
collects the `##BENCH` lines each prints for its headline figures.
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULT_PREFIX  # noqa: E402

HERE = Path(__file__).resolve().parent
PARTS = {
    # name: (small flags, full flags)
    "transitions": (["--cases", "500", "--seconds", "10"], ["--cases", "2000", "--seconds", "15"]),
    "api": (["--seconds", "10", "--pgbench-seconds", "10"], ["--seconds", "30"]),
    "case_list": (["--cases", "100000", "--reps", "5"], ["--cases", "1000000", "--reps", "10"]),
    "sla": (["--open", "10000", "--due", "200", "--burst", "1000"],
            ["--open", "100000", "--due", "1000", "--burst", "10000"]),
    "evaluation": (["--total", "100000", "--month", "10000"],
                   ["--total", "1000000", "--month", "100000"]),
}


def run(name: str, flags: list[str]) -> list[dict]:
    print(f"\n=== {name} {' '.join(flags)}", flush=True)
    process = subprocess.Popen([sys.executable, str(HERE / f"{name}.py"), *flags],
                               stdout=subprocess.PIPE, text=True)
    rows = []
    for line in process.stdout:
        if line.startswith(RESULT_PREFIX):
            rows.append({"part": name, **json.loads(line[len(RESULT_PREFIX):])})
        else:
            print(line, end="", flush=True)
    if process.wait() != 0:
        rows.append({"part": name, "metric": "FAILED", "value": f"exit {process.returncode}",
                     "unit": "", "baseline": None, "target": "", "ok": False})
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"{'metric':<44} {'value':>14} {'baseline':>10} {'ratio':>6}  {'target':<14} result",
             "-" * 100]
    for r in rows:
        value = r["value"]
        shown = f"{value:,}" if isinstance(value, (int, float)) else str(value)
        baseline, ratio = r.get("baseline"), ""
        if isinstance(baseline, (int, float)) and not math.isnan(baseline) and baseline:
            ratio = f"{value / baseline:.2f}"
            baseline = f"{baseline:,.0f}"
        else:
            baseline = ""
        verdict = {True: "pass", False: "MISS", None: ""}[r.get("ok")]
        lines.append(f"{r['metric']:<44} {shown + ' ' + r['unit']:>14} {baseline:>10} "
                     f"{ratio:>6}  {r.get('target') or '':<14} {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's sizes")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    args = parser.parse_args()
    rows = []
    for name in args.only.split(","):
        small, full = PARTS[name]
        rows += run(name, full if args.full else small)
    print(f"\n=== summary ({'full' if args.full else 'small'} sizes; baseline = "
          f"pgbench -b simple-update, same clients, same server, same run)")
    print(table(rows))


if __name__ == "__main__":
    main()
