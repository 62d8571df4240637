"""Two workers run the same evaluation at the same instant (PostgreSQL row and table locks):
one settles and freezes, the other waits and returns the same stored report."""

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import connection

from casework.models import CaseEvent, EvaluationReport
from casework.services.evaluation_run import evaluation_run
from tests.factories import Demo, case_file, case_move, demo_build
from workflows.working_time import SHANGHAI

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_runs_at_once_freeze_one_report_and_settle_each_case_once():
    demo: Demo = demo_build()
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=SHANGHAI), tick=False):
        for _ in range(5):
            case_move(case_file(demo.user("gridworker")), *demo.steps_to("evaluating_rated"))

    barrier = threading.Barrier(2)
    reports, errors = [], []

    def worker():
        try:
            barrier.wait()
            reports.append(evaluation_run(period="2026-11"))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(datetime(2026, 11, 20, 9, 0, 5, tzinfo=SHANGHAI), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert errors == []
    assert EvaluationReport.objects.count() == 1
    assert {report.pk for report in reports} == {EvaluationReport.objects.get().pk}
    assert CaseEvent.objects.filter(transition="close", payload__evaluation="2026-11").count() == 5
