"""The two shapes of a log line, LOG_FORMAT=text or json (docs/operations.md#logs).

Both write exactly one line per record, whatever a path, header, id or exception message
holds: text escapes control characters and line separators in the message and indents a
traceback under its record, so no continuation line can pass for a record of its own; json
(python-json-logger) escapes them inside its strings and keeps everything ASCII.
"""

import logging
import re
import time

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

# C0 and C1 controls and the Unicode line and paragraph separators: anything a terminal,
# `less` or str.splitlines would take for the end of a line, or that would rewrite it.
BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(text: str) -> str:
    return BREAKERS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class TextFormatter(logging.Formatter):
    """`2026-12-03 09:30:00.125+0800 INFO casework.access 6f1c… GET /cases/ 200 12.5ms user=7`"""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")

    def formatTime(self, record, datefmt=None):
        local = time.localtime(record.created)
        msecs = int(record.msecs)
        return time.strftime("%Y-%m-%d %H:%M:%S", local) + f".{msecs:03d}" + time.strftime("%z", local)

    def formatMessage(self, record):
        request_id = getattr(record, "request_id", None) or "-"
        return self._fmt % {**record.__dict__, "message": _escape(record.message), "request_id": request_id}

    def formatException(self, ei):
        return self._indented(super().formatException(ei))

    def formatStack(self, stack_info):
        return self._indented(super().formatStack(stack_info))

    @staticmethod
    def _indented(text: str) -> str:
        return "\n".join("    " + _escape(line) for line in text.splitlines())


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, then the record's
    extras (an access line's method, path, status, duration_ms, user_id; a task line's task,
    task_id, outcome, run_ms) and `exception` with the traceback when there is one."""

    def __init__(self):
        super().__init__(
            "%(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            timestamp="time",
            # Django's records carry the request object: its path is in the message already.
            reserved_attrs=[*RESERVED_ATTRS, "request"],
            json_ensure_ascii=True,
        )

    def add_fields(self, log_data, record, message_dict):
        log_data["time"] = None  # first, for the eye; filled by the timestamp option below
        super().add_fields(log_data, record, message_dict)
