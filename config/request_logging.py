"""One line per request, and a refused request is never a traceback
(docs/operations.md#logs).

`AccessLogMiddleware`, first in MIDDLEWARE, gives the request its id (config.request_id),
echoes it in the `X-Request-ID` response header and, once the response is ready, writes the
access line on `casework.access`: method, path, status, run time, who, and the id.

Django also logs every 4xx on `django.request` as a warning, those from a PermissionDenied
with its traceback: the access line already says it, so `ClientErrorsOnOneLine`, on the
handlers, drops those. A SuspiciousOperation (a foreign Host header, a body too large) on
`django.security.*` says why the request was refused, which the access line does not: it
stays, rewritten to one line without its traceback ("GET /report/ 400 Invalid HTTP_HOST
header: …"). Every 5xx keeps its traceback on Django's error record.
"""

import logging
import re
import time

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

from . import request_id

WHITESPACE = re.compile(r"\s+")
access_log = logging.getLogger("casework.access")


def _escaped(text: str) -> str:
    # As Django escapes the path in its own message: a newline in an address cannot forge
    # a second log line.
    return text.encode("unicode_escape").decode("ascii")


def _user_id(request: HttpRequest) -> int | None:
    """Who the request was served as; None for anonymous. A lazy user nothing asked for
    (a public page, a health probe) is not loaded just for the log: it was served as anyone."""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        started = time.monotonic()
        given = request.headers.get("X-Request-ID")
        token = request_id.use(request_id.accepted(given) or request_id.generate())
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.current()
            self._log(request, response.status_code, started)
            return response
        finally:
            request_id.restore(token)

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float) -> None:
        user_id = _user_id(request)
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        method, path = _escaped(request.method or ""), _escaped(request.path)
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        access_log.log(
            level,
            "%s %s %s %sms user=%s",
            method,
            path,
            status,
            duration_ms,
            "anonymous" if user_id is None else user_id,
            extra={
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )


class ClientErrorsOnOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        if not isinstance(request, HttpRequest):  # runserver's records carry a socket
            return True
        if record.name == "django.request":
            return False  # the access line says it
        path = _escaped(request.path)
        detail = record.getMessage()
        if detail.endswith(f": {path}"):
            detail = detail[: -len(path) - 2]
        detail = WHITESPACE.sub(" ", detail).strip()
        record.msg = "%s %s %s %s"
        record.args = (_escaped(request.method or ""), path, status, detail)
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
