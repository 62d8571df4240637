"""The request id: one name for everything a request causes, in the web process and in the
Celery tasks it enqueues (docs/operations.md#logs).

A request takes its id from an `X-Request-ID` header a proxy in front set, when that is a
sane value, or gets a new one; the id lives in a context variable for the request, every
log record carries it (`RequestIdFilter`), and the response echoes it. A task published
while an id is current carries it in its message headers; the worker takes it back for the
task's run, and a task with none (beat's) gets its own.
"""

import contextvars
import logging
import re
import uuid

# Short and plain: an id is printed on every line, so nothing in it may break a line or a
# JSON string, or grow the line without bound.
SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The Celery message header that carries it (a name of our own, beside Celery's fields).
TASK_HEADER = "casework_request_id"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current() -> str | None:
    return _current.get()


def generate() -> str:
    return uuid.uuid4().hex


def accepted(value: object) -> str | None:
    """`value` when it can serve as an id as it is, else None."""
    return value if isinstance(value, str) and SANE.fullmatch(value) else None


def use(request_id: str) -> contextvars.Token:
    return _current.set(request_id)


def restore(token: contextvars.Token) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current id on every record the handler writes (None outside a request or
    task), unless the record brought one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _current.get()
        return True
