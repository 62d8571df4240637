"""The request id across the broker, and one line per finished Celery task
(docs/operations.md#logs).

Publishing a task while a request (or another task) has an id puts the id in the message's
headers; the worker makes it the current id for the task's run, so the task's log lines carry
the id of the request that caused it. A task without one, as beat sends them, runs under a
new id. A task run eagerly inside a request keeps the request's id.

When the task ends, `casework.tasks` gets one line: the task's name and id, its outcome
(success, retry, failure), its run time and the id. Celery's own lines stay beside it:
"received", and "succeeded in …: <result>" or the failure with its traceback.
"""

import logging
import time

from celery.signals import before_task_publish, task_postrun, task_prerun

from . import request_id

task_log = logging.getLogger("casework.tasks")
# (task id, retries) → (when it started, the id it replaced). Thread-pool workers run several
# at once, and an eager retry runs inside the try it replaces, under the same task id.
_running: dict[tuple[str, int], tuple[float, object]] = {}
LEVELS = {"success": logging.INFO, "retry": logging.WARNING}


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    current = request_id.current()
    if current is not None and headers is not None:
        headers[request_id.TASK_HEADER] = current


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    carried = request_id.accepted(task.request.get(request_id.TASK_HEADER))
    token = request_id.use(carried or request_id.current() or request_id.generate())
    _running[task_id, task.request.retries] = (time.monotonic(), token)


@task_postrun.connect
def _task_ended(task_id=None, task=None, state=None, **kwargs):
    started, token = _running.pop((task_id, task.request.retries), (None, None))
    if started is None:
        return
    outcome = (state or "unknown").lower()
    run_ms = round((time.monotonic() - started) * 1000, 1)
    task_log.log(
        LEVELS.get(outcome, logging.ERROR),
        "task %s[%s] %s in %sms",
        task.name,
        task_id,
        outcome,
        run_ms,
        extra={"task": task.name, "task_id": task_id, "outcome": outcome, "run_ms": run_ms},
    )
    request_id.restore(token)
