"""The mainland-China working calendar: office overrides, then chinese-calendar, then Mon–Fri.

chinese-calendar knows the State Council schedule only up to the last year it was released
for (1.11: 2026). For later dates we fall back to Monday–Friday and log a warning once per
year, until an office enters that year's holidays and make-up workdays as overrides.
"""

import logging
import time
from datetime import date

import chinese_calendar
from django.conf import settings

from .models import CalendarOverride

logger = logging.getLogger(__name__)
_warned_years: set[int] = set()
_override_cache: dict = {"until": 0.0, "days": {}}


def package_is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "chinese-calendar has no schedule for %s; using Monday–Friday. "
                "Enter the year's holidays and make-up workdays as calendar overrides.",
                day.year,
            )
        return day.weekday() < 5


def overrides_cached() -> dict[date, bool]:
    """The office's overrides (a few dozen rows a year), re-read at most every
    SLA_POLICY_CACHE_SECONDS."""
    now = time.monotonic()
    if now >= _override_cache["until"]:
        _override_cache["days"] = dict(CalendarOverride.objects.values_list("date", "is_workday"))
        _override_cache["until"] = now + settings.SLA_POLICY_CACHE_SECONDS
    return _override_cache["days"]


def overrides_forget() -> None:
    _override_cache["until"] = 0.0


def is_workday(day: date) -> bool:
    overrides = overrides_cached()
    if day in overrides:
        return overrides[day]
    return package_is_workday(day)
