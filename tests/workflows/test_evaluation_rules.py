"""The evaluation day's pure rules (workflows/evaluation_rules.py): no database."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from workflows.evaluation_rules import (
    CARRY,
    CLOSE,
    CLOSE_UNRATED,
    REOPEN,
    Period,
    PeriodError,
    nearest_rank,
    period_due,
    periods_between,
    ranked,
    rates,
    settlement,
)
from workflows.working_time import SHANGHAI

WEIGHTS = {"response": Decimal("0.1"), "resolution": Decimal("0.5"), "satisfaction": Decimal("0.4")}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_period_ends_at_its_months_run_and_starts_after_the_previous_evaluation_day():
    assert Period.parse("2026-11").bounds(20, 9) == (at(2026, 10, 21, 0, 0), at(2026, 11, 20, 9, 0))
    assert Period.parse("2026-01").bounds(20, 9) == (at(2025, 12, 21, 0, 0), at(2026, 1, 20, 9, 0))
    assert Period.parse("2026-03").bounds(28, 18) == (at(2026, 3, 1, 0, 0), at(2026, 3, 28, 18, 0))


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-11-01"])
def test_a_period_is_written_yyyy_mm(value):
    with pytest.raises(PeriodError):
        Period.parse(value)


def test_the_period_due_changes_at_the_run_not_at_midnight():
    assert str(period_due(at(2026, 11, 20, 8, 59, 59), 20, 9)) == "2026-10"
    assert str(period_due(at(2026, 11, 20, 9, 0), 20, 9)) == "2026-11"
    assert str(period_due(at(2027, 1, 5, 12, 0), 20, 9)) == "2026-12"


def test_periods_between_runs_in_order_across_the_year():
    assert [str(p) for p in periods_between(Period(2026, 11), Period(2027, 2))] == [
        "2026-11", "2026-12", "2027-01", "2027-02",
    ]  # fmt: skip
    assert periods_between(Period(2026, 11), Period(2026, 10)) == []


RUN = at(2026, 11, 20, 9, 0)


@pytest.mark.parametrize(
    ("satisfaction", "resolved_at", "expected"),
    [
        ("satisfied", RUN - timedelta(days=1), CLOSE),
        ("basically_satisfied", RUN - timedelta(days=30), CLOSE),
        ("dissatisfied", RUN - timedelta(hours=1), REOPEN),
        ("", RUN - timedelta(days=7, seconds=1), CLOSE_UNRATED),
        ("", RUN - timedelta(days=7), CARRY),  # not MORE than 7 days
        ("", RUN - timedelta(days=1), CARRY),
    ],
)
def test_settlement(satisfaction, resolved_at, expected):
    assert settlement(satisfaction=satisfaction, resolved_at=resolved_at, evaluated_at=RUN) == expected


def counts(**given):
    base = dict.fromkeys(
        ["responded_on_time", "dispatched", "resolved", "handled", "satisfied",
         "basically_satisfied", "rated"], 0,
    )  # fmt: skip
    return {**base, **given}


def test_rates_are_zero_without_a_denominator():
    assert rates(counts(), weights=WEIGHTS, basic_weight=Decimal(1)) == {
        "response_rate": Decimal("0.0000"), "resolution_rate": Decimal("0.0000"),
        "satisfaction_rate": Decimal("0.0000"), "composite": Decimal("0.0000"),
    }  # fmt: skip


def test_rates_round_half_up_and_weigh_basically_satisfied():
    result = rates(
        counts(responded_on_time=2, dispatched=3, resolved=1, handled=8, satisfied=1,
               basically_satisfied=2, rated=4),
        weights=WEIGHTS,
        basic_weight=Decimal("0.9"),
    )
    assert result["response_rate"] == Decimal("0.6667")
    assert result["resolution_rate"] == Decimal("0.1250")
    assert result["satisfaction_rate"] == Decimal("0.7000")  # (1 + 0.9 × 2) / 4
    # 0.1 × 0.6667 + 0.5 × 0.1250 + 0.4 × 0.7000 = 0.40917
    assert result["composite"] == Decimal("0.4092")


def test_ranking_breaks_ties_by_resolution_rate_then_name_then_code():
    rows = [
        {"code": "u4", "name": "乙", "composite": "0.5000", "resolution_rate": "0.4000"},
        {"code": "u3", "name": "甲", "composite": "0.5000", "resolution_rate": "0.4000"},
        {"code": "u2", "name": "甲", "composite": "0.5000", "resolution_rate": "0.4000"},
        {"code": "u1", "name": "丙", "composite": "0.5000", "resolution_rate": "0.6000"},
        {"code": "u5", "name": "丁", "composite": "0.9000", "resolution_rate": "0.0000"},
    ]
    # Names compare by Unicode code point: 乙 (U+4E59) before 甲 (U+7532).
    assert [(r["rank"], r["code"]) for r in ranked(rows)] == [
        (1, "u5"), (2, "u1"), (3, "u4"), (4, "u2"), (5, "u3"),
    ]  # fmt: skip


@pytest.mark.parametrize(("n", "k"), [(1, 1), (2, 2), (9, 9), (10, 9), (11, 10), (20, 18), (21, 19)])
def test_p90_is_the_nearest_rank(n, k):
    assert nearest_rank(n) == k
