"""A refused request is logged as one line; a server error keeps its traceback.

Django logs every 4xx response on `django.request` as a warning, those from a
PermissionDenied (a page not for the user's role) with its traceback, and a
SuspiciousOperation (a foreign Host header, a body too large) on `django.security.*` with
its traceback too. A 4xx is an answer the product meant to give: its traceback is noise
that buries the 5xx tracebacks someone must read. This filter, on the console handler,
rewrites such records to "GET /dispatch/ 403 Forbidden (Permission denied)" and drops the
traceback; records without a status, and every 5xx, pass unchanged.
"""

import logging
import re

WHITESPACE = re.compile(r"\s+")


def _escaped(text: str) -> str:
    # As Django escapes the path in its own message: a newline in an address cannot forge
    # a second log line.
    return text.encode("unicode_escape").decode("ascii")


class ClientErrorsOnOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from django.http import HttpRequest

        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        if not isinstance(request, HttpRequest):  # runserver's records carry a socket
            return True
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
