"""Following one request from the API into a real Celery worker by its id, in the worker's
JSON lines (docs/operations.md#logs); beat's tasks run under ids of their own.

Like tests/casework/test_sla_real_worker.py, this needs a broker server shared with the
worker subprocess: run with DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…
(or amqp://…); otherwise it is skipped.
"""

import json
import re

import pytest
from django.conf import settings
from django.db import connection

from tests.casework.test_sla_real_worker import SERVER_BROKERS, backends_wait_gone, broker_purge
from tests.celery_processes import CeleryProcess, CeleryProcesses, celery_env, database_url, wait_until
from tests.factories import case_file, case_move, parties_reachable_by_email, transition_url

pytestmark = [
    pytest.mark.real_clock,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not str(settings.CELERY_BROKER_URL).startswith(SERVER_BROKERS),
        reason="needs a broker server shared with worker subprocesses: "
        "set CELERY_BROKER_URL=redis://… or amqp://…",
    ),
]

WAIT = 60


@pytest.fixture
def json_procs(request, transactional_db, tmp_path):
    broker_purge()
    env = celery_env(
        database_url=database_url(connection.settings_dict),
        broker_url=settings.CELERY_BROKER_URL,
        var_dir=tmp_path / "var",
        LOG_FORMAT="json",
        SLA_SWEEP_SECONDS="1",
    )
    procs = CeleryProcesses(tmp_path, env=env)
    failed_before = request.session.testsfailed
    yield procs
    procs.stop_all()
    backends_wait_gone()
    if request.session.testsfailed > failed_before:
        print(procs.logs())
    broker_purge()


def json_lines(process: CeleryProcess) -> list[dict]:
    """Every log record the process wrote; Celery's start-up banner (printed, not logged)
    is the only other output."""
    return [json.loads(line) for line in process.log().splitlines() if line.startswith("{")]


def task_lines(process: CeleryProcess, task: str) -> list[dict]:
    return [
        line
        for line in json_lines(process)
        if line["logger"] == "casework.tasks" and line.get("task") == task
    ]


def test_the_workers_line_for_a_task_carries_the_id_of_the_request_that_enqueued_it(
    demo, api, json_procs
):
    worker = json_procs.worker("w", concurrency=2)
    beat = json_procs.beat()
    dispatcher = demo.user("dispatcher")
    parties_reachable_by_email()
    case = case_move(
        case_file(demo.user("gridworker")),
        (dispatcher, "classify", demo.classify_payload(difficulty="hard")),
    )

    # Escalating opens the vote: after the commit the worker sends the six parties' e-mail.
    escalated = api("dispatcher").post(
        transition_url(case.reference, "escalate"),
        {"version": case.version, **demo.escalate_payload()},
        HTTP_X_REQUEST_ID="follow-me.1",
    )
    assert escalated.status_code == 200, escalated.content
    assert escalated["X-Request-ID"] == "follow-me.1"

    email = "casework.tasks.notifications_deliver"
    (done,) = wait_until(
        lambda: [line for line in task_lines(worker, email) if line["request_id"] == "follow-me.1"],
        timeout=WAIT, message=lambda: worker.tail(),
    )
    assert (done["outcome"], done["request_id"], done["level"]) == ("success", "follow-me.1", "INFO")
    assert done["run_ms"] >= 0 and done["message"].startswith(f"task {email}[{done['task_id']}] success")
    # Celery's own line for the run carries it too.
    (succeeded,) = [
        line
        for line in json_lines(worker)
        if line["logger"] == "celery.app.trace" and done["task_id"] in line["message"]
    ]
    assert succeeded["request_id"] == "follow-me.1"

    # Beat's sweeps start from no request: each runs under an id of its own.
    sweeps = wait_until(
        lambda: len(found := task_lines(worker, "casework.tasks.sla_sweep")) >= 2 and found,
        timeout=WAIT,
        message=lambda: worker.tail(),
    )
    ids = [sweep["request_id"] for sweep in sweeps]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == len(ids)

    # Worker and beat write JSON, the same keys as the web.
    for process in (worker, beat):
        lines = json_lines(process)
        assert lines and all(
            list(line)[:5] == ["time", "level", "logger", "message", "request_id"] for line in lines
        )
    assert any(re.search(r"\bready\.", line["message"]) for line in json_lines(worker))
