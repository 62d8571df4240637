"""Real Celery workers and beat as subprocesses, for tests that must not fake the broker.

Each process runs `python -m celery -A config …` from the repository root in its own
session (so it and any pool children form one process group we can signal), with its
output in a log file the test can wait on and print when something goes wrong.

    procs = CeleryProcesses(tmp_path, env=celery_env(...))
    worker = procs.worker("w1", concurrency=2)
    beat = procs.beat()
    ...
    procs.stop_all()   # in fixture teardown: TERM, then KILL whatever is left
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def celery_env(*, database_url: str, broker_url: str, var_dir: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CASEWORK_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def wait_until(predicate: Callable[[], object], *, timeout: float, interval: float = 0.05,
               message: str | Callable[[], str] = "condition") -> object:
    """Poll until `predicate()` is truthy; return its value or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise TimeoutError(f"not reached within {timeout:.0f} s: {text}")
        time.sleep(interval)


class CeleryProcess:
    def __init__(self, name: str, argv: list[str], *, env: dict, log_path: Path):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop/kill)
        self.popen = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started = time.monotonic()

    def __repr__(self):
        return f"<{self.name} pid={self.popen.pid} {'running' if self.alive else 'exited'}>"

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log()))

    def wait_for(self, pattern: str, *, count: int = 1, timeout: float = 60) -> None:
        """Wait until `pattern` (a regex) occurs `count` times in the log."""

        def seen():
            if self.count(pattern) >= count:
                return True
            if not self.alive:
                raise RuntimeError(
                    f"{self.name} exited ({self.popen.returncode}) before {pattern!r}:\n{self.tail()}"
                )
            return False

        wait_until(seen, timeout=timeout, message=lambda: f"{self.name}: {pattern!r} ×{count}\n{self.tail()}")

    def tail(self, lines: int = 40, *, skip: str | None = r"notifications_deliver\[") -> str:
        """The last lines of the log, leaving out the chatter of notification deliveries."""
        kept = [line for line in self.log().splitlines() if not (skip and re.search(skip, line))]
        return "\n".join(kept[-lines:])

    def signal(self, sig: int) -> None:
        """Signal the whole process group (the worker and its pool children)."""
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL, as if the machine died: no warm shutdown, no ack, no rollback by us."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._log.close()

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM to the main process lets a running task finish, and it
        stops its own pool); SIGKILL to the group if that takes too long."""
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Pool children or anything else left in the group go too.
        self.signal(signal.SIGKILL)
        try:
            self.popen.wait(timeout=30)
        finally:
            self._log.close()


class CeleryProcesses:
    """Starts workers and beat for one test and stops every one of them afterwards."""

    def __init__(self, directory: Path, *, env: dict):
        self.directory = directory
        self.env = env
        self.processes: list[CeleryProcess] = []
        self._serial = 0

    def _start(self, name: str, argv: list[str], env: dict | None = None) -> CeleryProcess:
        self._serial += 1
        log_path = self.directory / f"{self._serial:02d}-{name}.log"
        process = CeleryProcess(
            name, [sys.executable, "-m", "celery", "-A", "config", *argv],
            env={**self.env, **(env or {})}, log_path=log_path,
        )
        self.processes.append(process)
        return process

    def worker(self, name: str, *, concurrency: int = 2, pool: str = "threads", wait: bool = True,
               env: dict | None = None) -> CeleryProcess:
        # A unique node name per test and run; the pid keeps reruns from colliding.
        node = f"{name}-{os.getpid()}-{self._serial + 1}@%h"
        process = self._start(
            name,
            [
                "worker", "--pool", pool, "--concurrency", str(concurrency), "-n", node,
                "--without-heartbeat", "--without-gossip", "--without-mingle",
                "--loglevel", "INFO",
            ],
            env,
        )
        if wait:
            self.wait_ready(process)
        return process

    @staticmethod
    def wait_ready(process: CeleryProcess, timeout: float = 60) -> None:
        process.wait_for(r"\bready\.", timeout=timeout)

    def beat(self, *, name: str = "beat", schedule: Path | None = None, wait: bool = True,
             env: dict | None = None) -> CeleryProcess:
        schedule = schedule or self.directory / "celerybeat-schedule"
        process = self._start(
            name,
            ["beat", "--schedule", str(schedule), "--loglevel", "INFO",
             "--pidfile", str(self.directory / f"{name}-{self._serial + 1}.pid")],
            env,
        )
        if wait:
            process.wait_for(r"beat: Starting", timeout=60)
        return process

    def stop_all(self) -> None:
        errors = []
        for process in reversed(self.processes):
            try:
                # Nothing is asserted after this; a threads-pool worker on RabbitMQ can sit
                # in its warm shutdown for many seconds, so don't wait long for it.
                process.stop(timeout=3)
            except Exception as exc:  # noqa: BLE001 (keep stopping the others)
                errors.append(f"{process}: {exc!r}")
        if errors:
            raise RuntimeError("could not stop: " + "; ".join(errors))

    def logs(self) -> str:
        return "\n\n".join(
            f"----- {p.name} ({p.log_path.name}) -----\n{p.tail(60)}" for p in self.processes
        )
