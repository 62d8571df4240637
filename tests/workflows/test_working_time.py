"""Deadline arithmetic against the real mainland-China calendar (chinese-calendar)."""

from datetime import datetime, timedelta

import pytest

from casework.calendar import package_is_workday
from workflows.working_time import SHANGHAI, LimitUnit, deadline, warn_at


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_one_working_day_from_friday_afternoon_is_monday_afternoon():
    due = deadline(at(2026, 11, 20, 15, 0), 1, LimitUnit.WORKING_DAYS, package_is_workday)
    assert due == at(2026, 11, 23, 15, 0)


def test_filed_on_saturday_the_whole_of_monday_counts():
    due = deadline(at(2026, 11, 21, 10, 0), 1, LimitUnit.WORKING_DAYS, package_is_workday)
    assert due == at(2026, 11, 24, 0, 0)


def test_national_day_holiday_is_skipped():
    # 2026-10-01 … 10-07 are holidays: the day after 30 September that counts is 8 October.
    due = deadline(at(2026, 9, 30, 10, 0), 1, LimitUnit.WORKING_DAYS, package_is_workday)
    assert due == at(2026, 10, 8, 10, 0)


def test_make_up_saturday_is_a_working_day():
    # 调休: Saturday 2026-10-10 is worked to make up for the holiday.
    due = deadline(at(2026, 10, 9, 10, 0), 1, LimitUnit.WORKING_DAYS, package_is_workday)
    assert due == at(2026, 10, 10, 10, 0)


def test_seven_working_days_across_mid_autumn_and_the_make_up_sunday():
    # 2026-09-20 (Sunday) is worked; 09-25 (Mid-Autumn, Friday) is not.
    due = deadline(at(2026, 9, 18, 9, 0), 7, LimitUnit.WORKING_DAYS, package_is_workday)
    # 20, 21, 22, 23, 24, 28, 29 September
    assert due == at(2026, 9, 29, 9, 0)


def test_hour_limits_run_across_midnight():
    due = deadline(at(2026, 11, 21, 23, 0), 2, LimitUnit.HOURS, package_is_workday)
    assert due == at(2026, 11, 22, 1, 0)


def test_calendar_day_limits_ignore_holidays():
    due = deadline(at(2026, 9, 30, 10, 0), 7, LimitUnit.DAYS, package_is_workday)
    assert due == at(2026, 10, 7, 10, 0)


def test_warning_comes_at_eighty_percent():
    start = at(2026, 11, 21, 8, 0)
    assert warn_at(start, start + timedelta(hours=10)) == at(2026, 11, 21, 16, 0)


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        deadline(at(2026, 11, 21, 8, 0), 1, "fortnights", package_is_workday)


def test_2027_falls_back_to_monday_to_friday_with_a_warning(caplog, monkeypatch):
    monkeypatch.setattr("casework.calendar._warned_years", set())  # warned once per process
    # chinese-calendar 1.11 stops at 2026; 2027-01-04 is a Monday.
    due = deadline(at(2026, 12, 31, 10, 0), 2, LimitUnit.WORKING_DAYS, package_is_workday)
    assert due == at(2027, 1, 4, 10, 0)  # Friday 1 January counts as a working day
    assert "2027" in caplog.text and "Monday–Friday" in caplog.text
