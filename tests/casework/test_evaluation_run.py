"""The evaluation run: idempotent, catches up, in order, period boundaries, empty periods,
a query count that does not grow with the cases, its commands and its Celery doors."""

import io
from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.errors import Conflict, Invalid
from casework.management.progress import progress_bar
from casework.models import Case, CaseEvent, EvaluationReport
from casework.services.evaluation_figures import figures_compute
from casework.services.evaluation_run import evaluation_catch_up, evaluation_run
from tests.factories import case_file, case_move
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


NOV_RUN = at(2026, 11, 20, 9, 0)


def filed(demo, moment, *steps) -> Case:
    with time_machine.travel(moment, tick=False):
        return case_move(case_file(demo.user("gridworker")), *steps)


def rated(demo, moment, satisfaction="satisfied") -> Case:
    steps = demo.steps_to("evaluating") + [
        (demo.user("gridworker"), "rate",
         {"satisfaction": satisfaction, "comment": "电话回访", "channel": "phone"})
    ]
    return filed(demo, moment, *steps)


def run(period, moment):
    with time_machine.travel(moment, tick=False):
        return evaluation_run(period=period)


def snapshot():
    return (
        list(Case.objects.order_by("pk").values_list("pk", "state", "version")),
        CaseEvent.objects.count(),
        list(EvaluationReport.objects.values_list("period", "run_at", "checksum", "figures")),
    )


# ---------------------------------------------------------------- idempotent


def test_running_a_period_twice_changes_nothing_the_second_time(demo):
    rated(demo, at(2026, 11, 2, 10))
    rated(demo, at(2026, 11, 3, 10), "dissatisfied")
    first = run("2026-11", NOV_RUN)
    before = snapshot()

    again = run("2026-11", NOV_RUN + timedelta(days=2))

    assert again.pk == first.pk and again.run_at == NOV_RUN
    assert snapshot() == before


def test_a_second_run_returns_the_stored_report_with_one_query(demo, django_assert_num_queries):
    run("2026-11", NOV_RUN)
    with django_assert_num_queries(1), time_machine.travel(NOV_RUN + timedelta(hours=1)):
        assert evaluation_run(period="2026-11").period == "2026-11"


def test_a_report_refuses_to_change(demo):
    report = run("2026-11", NOV_RUN)
    report.figures["totals"]["received"] = 99
    with pytest.raises(ValueError, match="frozen"):
        report.save()
    with pytest.raises(ValueError, match="frozen"):
        report.delete()


# ---------------------------------------------------------------- catch-up and order


def test_a_missed_day_runs_once_at_the_next_start(demo):
    """Down from Nov 19 to Nov 22: the worker's start runs 2026-11 once, late, judging the
    7-day rule from the scheduled time and counting the scheduled window."""
    filed(demo, at(2026, 10, 5, 9))
    with time_machine.travel(at(2026, 10, 20, 9, 0), tick=False):
        assert [r.period for r in evaluation_catch_up()] == ["2026-10"]
    old = filed(demo, at(2026, 11, 12, 9), *demo.steps_to("evaluating"))  # > 7 days by Nov 20
    recent = filed(demo, at(2026, 11, 14, 10), *demo.steps_to("evaluating"))  # 6 days by Nov 20
    late_rating = filed(demo, at(2026, 11, 21, 10), *demo.steps_to("evaluating_rated"))

    with time_machine.travel(at(2026, 11, 22, 10, 0), tick=False):
        reports = evaluation_catch_up()
        assert evaluation_catch_up() == []

    assert [r.period for r in reports] == ["2026-11"]
    report = reports[0]
    assert (report.ends_at, report.run_at) == (NOV_RUN, at(2026, 11, 22, 10, 0))
    assert Case.objects.get(pk=old.pk).state == "closed"
    assert Case.objects.get(pk=recent.pk).state == "evaluating"  # carried
    assert Case.objects.get(pk=late_rating.pk).state == "closed"  # in evaluating at the run
    assert report.figures["totals"]["received"] == 2  # the Nov 21 case is not in the window
    assert EvaluationReport.objects.count() == 2


def test_a_new_installation_waits_for_its_first_evaluation_day(demo):
    """No report yet: catch-up starts with the period of the first case event, so cases
    filed after the last evaluation day are not settled at the first worker start."""
    with time_machine.travel(at(2026, 11, 1, 9), tick=False):
        assert evaluation_catch_up() == []  # nothing filed yet
    case = rated(demo, at(2026, 11, 21, 10))
    with time_machine.travel(at(2026, 11, 22, 10), tick=False):
        assert evaluation_catch_up() == []
    assert Case.objects.get(pk=case.pk).state == "evaluating"
    with time_machine.travel(at(2026, 12, 20, 9), tick=False):
        assert [r.period for r in evaluation_catch_up()] == ["2026-12"]
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_catch_up_runs_every_missed_period_in_order(demo):
    run("2026-08", at(2026, 8, 20, 9))
    with time_machine.travel(at(2026, 11, 25, 12, 0), tick=False):
        periods = [r.period for r in evaluation_catch_up()]
    assert periods == ["2026-09", "2026-10", "2026-11"]
    run_times = list(EvaluationReport.objects.order_by("period").values_list("run_at", flat=True))
    assert run_times == sorted(run_times)


def test_a_later_period_first_runs_the_missing_ones(demo):
    run("2026-09", at(2026, 9, 20, 9))
    report = run("2026-11", at(2026, 11, 20, 10))
    assert report.period == "2026-11"
    assert list(EvaluationReport.objects.order_by("period").values_list("period", flat=True)) == [
        "2026-09", "2026-10", "2026-11",
    ]  # fmt: skip


def test_an_older_period_than_the_latest_report_is_refused(demo):
    run("2026-11", NOV_RUN)
    with pytest.raises(Conflict) as refused:
        run("2026-10", NOV_RUN + timedelta(hours=1))
    assert refused.value.code == "out_of_order"


def test_a_period_is_not_run_before_its_day(demo):
    with pytest.raises(Conflict) as refused:
        run("2026-11", NOV_RUN - timedelta(seconds=1))
    assert refused.value.code == "not_due"
    assert not EvaluationReport.objects.exists()


def test_a_bad_period_is_invalid(demo):
    with pytest.raises(Invalid):
        run("2026-13", NOV_RUN)


def test_the_evaluation_day_and_hour_come_from_settings(demo, settings):
    settings.EVALUATION_DAY, settings.EVALUATION_HOUR = 25, 18
    with pytest.raises(Conflict):
        run("2026-11", at(2026, 11, 25, 17, 59))
    report = run("2026-11", at(2026, 11, 25, 18, 0))
    assert (report.starts_at, report.ends_at) == (at(2026, 10, 26, 0, 0), at(2026, 11, 25, 18, 0))


# ---------------------------------------------------------------- boundaries and empty periods


def test_period_boundaries_on_the_20th_and_21st_at_midnight(demo):
    moments = {
        "before_start": at(2026, 10, 20, 23, 59, 59),  # after Oct's run, before Oct 21: no period
        "at_start": at(2026, 10, 21, 0, 0),
        "before_run": at(2026, 11, 20, 8, 59, 59),
        "at_run": at(2026, 11, 20, 9, 0),  # the end is excluded: no period
        "before_midnight": at(2026, 11, 20, 23, 59, 59),  # no period
        "next_start": at(2026, 11, 21, 0, 0),  # 2026-12
    }
    for moment in moments.values():
        filed(demo, moment)

    november = run("2026-11", at(2026, 11, 21, 1, 0))  # run late so every case exists
    december = run("2026-12", at(2026, 12, 20, 9, 0))

    assert november.figures["totals"]["received"] == 2
    assert december.figures["totals"]["received"] == 1
    assert december.starts_at == moments["next_start"]


def test_a_period_with_no_cases(demo):
    report = run("2026-11", NOV_RUN)
    totals = report.figures["totals"]
    assert totals["received"] == totals["handled"] == totals["rated"] == 0
    assert (totals["response_rate"], totals["composite"]) == ("0.0000", "0.0000")
    assert totals["respond_hours_mean"] is totals["resolve_hours_p90"] is None
    for level in ("streets", "communities", "grids", "units", "categories"):
        assert report.figures[level] == []
    assert report.figures["settled"] == {"closed": 0, "closed_unrated": 0, "reopened": 0,
                                         "carried": 0}


# ---------------------------------------------------------------- query count


def month_of(demo, count: int) -> None:
    """`count` cases in November, handled to various points but none awaiting evaluation."""
    paths = ["collected", "classified", "handling", "closed", "rejected"]
    for n in range(count):
        filed(demo, at(2026, 11, 2 + n % 15, 10), *demo.steps_to(paths[n % len(paths)]))


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


@pytest.mark.parametrize("count", [5, 50])
def test_the_runs_query_count_does_not_grow_with_the_cases(demo, count):
    month_of(demo, count)
    assert queries_of(lambda: run("2026-11", NOV_RUN)) == EXPECTED_RUN_QUERIES[connection.vendor]


@pytest.mark.parametrize("count", [5, 50])
def test_the_figures_query_count_does_not_grow_with_the_cases(demo, count):
    month_of(demo, count)
    rated(demo, at(2026, 11, 3, 10))
    queries = queries_of(lambda: figures_compute(
        period="2026-11", starts_at=at(2026, 10, 21), ends_at=NOV_RUN, run_at=NOV_RUN,
        weights=settings.EVALUATION_WEIGHTS, basic_weight=1,
    ))
    assert queries == EXPECTED_FIGURES_QUERIES[connection.vendor]


# 2 drops + facts + clocks (+ ANALYZE on PostgreSQL) + 10 levels × 2 + 5 name lookups
# + 2 parent lookups + 2 drops.
EXPECTED_FIGURES_QUERIES = {"sqlite": 33, "postgresql": 34}
# + 3 order checks, the savepoint pair, the lock (PostgreSQL), the stored check, the
# evaluating cases, the INSERT.
EXPECTED_RUN_QUERIES = {"sqlite": 33 + 7, "postgresql": 34 + 8}


def test_settling_more_cases_costs_no_more_queries(demo):
    """Closes go through case_transition_many: checks per case, I/O per batch."""
    for n in range(3):
        rated(demo, at(2026, 11, 2 + n, 10))
    three = queries_of(lambda: run("2026-11", NOV_RUN))
    for n in range(9):
        rated(demo, at(2026, 11, 21 + n, 10))
    nine = queries_of(lambda: run("2026-12", at(2026, 12, 20, 9)))
    assert nine == three
    assert CaseEvent.objects.filter(transition="close", actor=None).count() == 12


# ---------------------------------------------------------------- commands and Celery


def test_run_evaluation_command_runs_then_shows_the_stored_report(demo):
    rated(demo, at(2026, 11, 2, 10))
    out = io.StringIO()
    with time_machine.travel(NOV_RUN, tick=False):
        call_command("run_evaluation", "--period", "2026-11", "--yes", stdout=out)
        call_command("run_evaluation", "--period", "2026-11", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("2026-11")]
    assert len(lines) == 2 and lines[0] == lines[1]
    assert "received 1" in lines[0] and "closed 1" in lines[0]
    assert "\r" not in out.getvalue()  # no progress bar when not on a terminal


def test_run_evaluation_command_says_what_it_would_do_and_changes_nothing_without_yes(demo):
    rated(demo, at(2026, 11, 2, 10))
    rated(demo, at(2026, 11, 3, 10), "dissatisfied")
    filed(demo, at(2026, 11, 19, 10), *demo.steps_to("evaluating"))  # unrated, just resolved
    before = snapshot()
    out = io.StringIO()
    with time_machine.travel(NOV_RUN + timedelta(days=3), tick=False):
        with pytest.raises(CommandError, match="--yes"):
            call_command("run_evaluation", "--period", "2026-11", stdout=out)
    assert snapshot() == before
    assert "2026-11 (2026-10-21 00:00 – 2026-11-20 09:00)" in out.getvalue()
    assert "awaiting evaluation now: 3" in out.getvalue()
    assert "close 1 (rated) and 0 (unrated too long), reopen 1 (dissatisfied) and carry 1" in out.getvalue()


def test_run_evaluation_command_before_any_report_says_which_period_comes_first_and_why(demo):
    out = io.StringIO()
    with time_machine.travel(at(2026, 11, 25, 10), tick=False):
        call_command("run_evaluation", stdout=out)
    assert "there is no case yet" in out.getvalue()

    rated(demo, at(2026, 11, 25, 10))
    out = io.StringIO()
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        call_command("run_evaluation", stdout=out)
    assert (
        "the first period is 2026-12 because the first case event was at 2026-11-25 10:00; "
        "it is due at 2026-12-20 09:00" in out.getvalue()
    )

    out = io.StringIO()
    with time_machine.travel(at(2026, 12, 21, 10), tick=False):
        with pytest.raises(CommandError, match="--yes"):
            call_command("run_evaluation", stdout=out)
        assert not EvaluationReport.objects.exists()
        assert "first to end after the first case event (2026-11-25 10:00)" in out.getvalue()
        call_command("run_evaluation", "--yes", stdout=out)
    assert list(EvaluationReport.objects.values_list("period", flat=True)) == ["2026-12"]
    with time_machine.travel(at(2026, 12, 22, 10), tick=False):
        out = io.StringIO()
        call_command("run_evaluation", stdout=out)
    assert "every period up to now has its report. Next: 2027-01, due at 2027-01-20 09:00" in out.getvalue()


def test_run_evaluation_command_explains_refusals(demo):
    with time_machine.travel(NOV_RUN - timedelta(days=1), tick=False), translation.override("en"):
        with pytest.raises(CommandError, match="not due"):
            call_command("run_evaluation", "--period", "2026-11", stdout=io.StringIO())
        with pytest.raises(CommandError, match="YYYY-MM"):
            call_command("run_evaluation", "--period", "nov", stdout=io.StringIO())


def test_verify_evaluation_command(demo):
    rated(demo, at(2026, 11, 2, 10))
    run("2026-11", NOV_RUN)
    out = io.StringIO()
    call_command("verify_evaluation", "--period", "2026-11", stdout=out)
    assert "agrees" in out.getvalue()

    report = EvaluationReport.objects.get()
    report.figures["totals"]["rated"] = 0
    EvaluationReport.objects.filter(pk=report.pk).update(figures=report.figures)
    out = io.StringIO()
    with pytest.raises(CommandError, match="difference"):
        call_command("verify_evaluation", "--period", "2026-11", stdout=out)
    assert "totals.rated: frozen 0, recomputed 1" in out.getvalue()
    with pytest.raises(CommandError, match="No evaluation report"), translation.override("en"):
        call_command("verify_evaluation", "--period", "2026-10", stdout=io.StringIO())


def test_progress_bar_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with progress_bar(stream, description="settle") as update:
            update(1, 2)
            update(2, 2)
    assert "2/2" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_beat_runs_the_evaluation_on_its_day_and_hour_and_looks_hourly():
    schedule = settings.CELERY_BEAT_SCHEDULE
    day = schedule["evaluation-day"]
    assert day["task"] == "casework.tasks.evaluation_catch_up"
    assert day["schedule"] == crontab(minute=0, hour=9, day_of_month=20)
    assert schedule["evaluation-catch-up"]["task"] == "casework.tasks.evaluation_catch_up"
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_the_catch_up_task_runs_missed_periods(demo):
    from casework.tasks import evaluation_catch_up as task

    filed(demo, at(2026, 11, 2, 10))
    with time_machine.travel(NOV_RUN + timedelta(hours=3), tick=False):
        assert task.apply().get() == ["2026-11"]
        assert task.apply().get() == []


def test_a_starting_worker_asks_for_a_catch_up():
    from casework import tasks

    with mock.patch.object(tasks.evaluation_catch_up, "apply_async") as sent:
        tasks._evaluation_catch_up_on_start(sender=None)
    sent.assert_called_once()
