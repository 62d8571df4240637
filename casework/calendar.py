"""The mainland-China working calendar: office overrides, then chinese-calendar, then Mon–Fri.

chinese-calendar knows the State Council schedule only up to the last year it was released
for (1.11: 2026). For later dates we fall back to Monday–Friday and log a warning once per
year, until an office enters that year's holidays and make-up workdays as overrides.
"""

import logging
from datetime import date, timedelta

import chinese_calendar

from workflows.working_time import IsWorkday

from .models import CalendarOverride

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


def workday_checker(start: date, horizon_days: int) -> IsWorkday:
    """A calendar for dates from `start` on, with the overrides of that window loaded once."""
    overrides = dict(
        CalendarOverride.objects.filter(
            date__gte=start, date__lte=start + timedelta(days=horizon_days)
        ).values_list("date", "is_workday")
    )

    def is_workday(day: date) -> bool:
        if day in overrides:
            return overrides[day]
        return package_is_workday(day)

    return is_workday
