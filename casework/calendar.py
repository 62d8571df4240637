"""The mainland-China working calendar: office overrides, then chinese-calendar, then Mon–Fri.

chinese-calendar knows the State Council schedule only up to the last year it was released
for (1.11: 2026). For later dates we fall back to Monday–Friday and log a warning once per
year, until an office enters that year's holidays and make-up workdays as overrides.
"""

import logging
from datetime import date

import chinese_calendar

from .models import CalendarOverride
from .rules_cache import RulesCache

logger = logging.getLogger(__name__)
_warned_years: set[int] = set()


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


_overrides = RulesCache(
    lambda: dict(CalendarOverride.objects.values_list("date", "is_workday"))
)
overrides_forget = _overrides.forget


def is_workday(day: date) -> bool:
    overrides = _overrides.get()
    if day in overrides:
        return overrides[day]
    return package_is_workday(day)
