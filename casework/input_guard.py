"""What any input must be before a door looks at it (docs/security.md, "Hostile input").

Classes of input that crashed deeper code, refused once here for every door:
- control characters (NUL breaks PostgreSQL text; the rest has no place in a form or a URL),
- JSON nested deeper than any request of ours, or carrying numbers that are not finite or
  do not fit a 64-bit integer,
- dates outside the years an office can mean.
"""

import json
import math
import re
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# C0 and C1 controls and DEL. Tab, line feed and carriage return are ordinary in a
# multi-line text; nowhere else.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

JSON_MAX_DEPTH = 32
INT_LIMIT = 2**63  # what a database column of ours can hold
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(0))
LATEST = datetime(2100, 1, 1, tzinfo=timezone.get_fixed_timezone(0))


class HostileInput(ValueError):
    """Input refused before any door reads it. `field` names the top-level JSON key it was
    found under, so the API can answer like any other invalid field."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.field = field


class _Refused:
    """Stands in for a number the parser must not produce, until the walk knows its key."""

    def __init__(self, reason):
        self.reason = reason


_TOO_LARGE = _("This number is too large.")


def control_character_in(value: str, *, multiline: bool = False) -> bool:
    return bool((_CONTROL_IN_TEXT if multiline else _CONTROL).search(value))


def json_loads(raw: str):
    """`json.loads`, refusing what no request of ours sends: NaN/Infinity, numbers that
    overflow (1e400 parses to inf), integers beyond 64 bits, nesting beyond
    JSON_MAX_DEPTH and control characters inside strings."""
    try:
        data = json.loads(
            raw, parse_constant=_constant, parse_float=_finite_float, parse_int=_bounded_int
        )
    except RecursionError as exc:
        raise HostileInput(_("The JSON is nested too deeply.")) from exc
    _check_tree(data)
    return data


def _constant(name: str):
    return _Refused(_("NaN and Infinity are not numbers here."))


def _finite_float(text: str):
    value = float(text)
    return value if math.isfinite(value) else _Refused(_TOO_LARGE)


def _bounded_int(text: str):
    if len(text) > 20:  # long before int() has to work hard
        return _Refused(_TOO_LARGE)
    value = int(text)
    return value if -INT_LIMIT < value < INT_LIMIT else _Refused(_TOO_LARGE)


def _check_tree(data) -> None:
    """Depth, numbers and strings, walked without recursion (the parser already bounded
    depth by Python's recursion limit; ours is far lower)."""
    stack = [(data, 1, None)]
    while stack:
        node, depth, field = stack.pop()
        if isinstance(node, dict | list):
            if depth > JSON_MAX_DEPTH:
                raise HostileInput(_("The JSON is nested too deeply."))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                if isinstance(key, str) and control_character_in(key):
                    raise HostileInput(_("A name in the JSON holds control characters."))
                top = field if field is not None or depth > 1 or not isinstance(key, str) else key
                stack.append((value, depth + 1, top))
        elif isinstance(node, _Refused):
            raise HostileInput(node.reason, field=field)
        elif isinstance(node, str) and control_character_in(node, multiline=True):
            raise HostileInput(_("Control characters are not allowed."), field=field)


def moment_in_range(moment: datetime) -> bool:
    """Aware datetimes an office can mean; far-off years overflow time-zone arithmetic."""
    return EARLIEST <= moment < LATEST
