"""Start and stop Celery worker and beat processes for the benchmarks."""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT

CELERY = str(Path(sys.executable).with_name("celery"))


def celery_env(database_url: str, broker_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start_worker(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CELERY, "-A", "config", "worker", "--concurrency", "1", "--pool", "solo",
         "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def start_beat(env: dict) -> subprocess.Popen:
    schedule = Path(tempfile.mkdtemp()) / "beat-schedule"
    return subprocess.Popen(
        [CELERY, "-A", "config", "beat", "--schedule", str(schedule), "--loglevel", "WARNING"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def purge(env: dict) -> None:
    subprocess.run([CELERY, "-A", "config", "purge", "-f"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
