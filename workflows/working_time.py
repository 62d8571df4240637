"""Deadline arithmetic (docs/sla.md#working-days), pure: the calendar comes in as a function.

Hour and day limits run on the clock. Working-day limits count whole working days in
Asia/Shanghai: the deadline is the same local time of day on the Nth working day after the
start; a start on a rest day counts from 00:00 of the next working day.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

SHANGHAI = ZoneInfo("Asia/Shanghai")
WARN_FRACTION = 0.8

IsWorkday = Callable[[date], bool]


class LimitUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")


def next_workday(day: date, is_workday: IsWorkday) -> date:
    day += timedelta(days=1)
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def deadline(start: datetime, amount: int, unit: str, is_workday: IsWorkday) -> datetime:
    if unit == LimitUnit.MINUTES:
        return start + timedelta(minutes=amount)
    if unit == LimitUnit.HOURS:
        return start + timedelta(hours=amount)
    if unit == LimitUnit.DAYS:
        return start + timedelta(days=amount)
    if unit != LimitUnit.WORKING_DAYS:
        raise ValueError(f"unknown limit unit {unit!r}")
    local = start.astimezone(SHANGHAI)
    day, time_of_day = local.date(), local.time()
    if not is_workday(day):
        day, time_of_day = next_workday(day, is_workday), time(0)
    for _day in range(amount):
        day = next_workday(day, is_workday)
    return datetime.combine(day, time_of_day, tzinfo=SHANGHAI)


def warn_at(start: datetime, due: datetime, fraction: float = WARN_FRACTION) -> datetime:
    return start + (due - start) * fraction
