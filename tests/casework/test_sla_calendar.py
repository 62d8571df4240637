"""Office overrides win over chinese-calendar, and fill the years it does not know."""

from datetime import date, datetime

import pytest

from casework.calendar import is_workday
from casework.models import CalendarOverride
from workflows.working_time import SHANGHAI, LimitUnit, deadline

pytestmark = pytest.mark.django_db


def test_override_declares_new_year_2027_a_holiday():
    CalendarOverride.objects.create(date=date(2027, 1, 1), is_workday=False, note="元旦")
    due = deadline(datetime(2026, 12, 31, 10, tzinfo=SHANGHAI), 1, LimitUnit.WORKING_DAYS, is_workday)
    assert due == datetime(2027, 1, 4, 10, tzinfo=SHANGHAI)


def test_override_wins_over_the_package():
    # The package says Saturday 2026-10-10 is a make-up workday; the office says otherwise.
    CalendarOverride.objects.create(date=date(2026, 10, 10), is_workday=False)
    CalendarOverride.objects.create(date=date(2026, 10, 11), is_workday=True)
    assert is_workday(date(2026, 10, 10)) is False
    assert is_workday(date(2026, 10, 11)) is True
    assert is_workday(date(2026, 10, 12)) is True  # untouched days still come from the package
