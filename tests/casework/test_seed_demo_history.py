"""`seed_demo --months N` plays N months of the street's history through the services
(docs/architecture.md#demo-data): the same seed gives the same street, the evaluation day in
it froze its report, and each role opens the product on work that waits for them."""

import re
from io import StringIO
from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from casework.models import Case, CaseEvent, EvaluationReport, Extension, SlaBreach, SlaTimer, Summons, Urge
from tests.factories import categories_ensure
from workflows.working_time import SHANGHAI

# A Monday morning two days after the June evaluation day: the month played starts on
# 22 May, inside the period 2026-06 (21 May – 20 June).
NOW = datetime(2026, 6, 22, 10, 0, tzinfo=SHANGHAI)
PASSWORD = "pw-history"


def _play(seed: int) -> None:
    call_command("seed_demo", "--months", "1", "--seed", str(seed), "--password", PASSWORD)


def _fingerprint() -> tuple:
    """The history as people see it (no database ids, which PostgreSQL does not reuse)."""
    return (
        list(Case.objects.order_by("reference").values_list("reference", "state", "title", "unit__code")),
        list(
            CaseEvent.objects.order_by("case__reference", "seq").values_list(
                "case__reference", "seq", "transition", "at"
            )
        ),
        list(SlaBreach.objects.order_by("case__reference", "kind").values_list("case__reference", "kind", "breached_at")),
        [(r.period, r.figures["settled"]) for r in EvaluationReport.objects.order_by("period")],
    )


def _first_screen(username: str):
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(get_user_model().objects.get(username=username))
    return browser.get("/", follow=True)


@pytest.mark.django_db
def test_the_same_seed_plays_the_same_history():
    categories_ensure()
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            _play(seed=7)
            first = _fingerprint()
            transaction.set_rollback(True)
        assert not Case.objects.exists()

        _play(seed=7)

        assert _fingerprint() == first
    cases, events, breaches, reports = first
    assert len(cases) > 150 and len(events) > 5 * len(cases) // 2
    assert breaches and reports


@pytest.mark.django_db
def test_a_month_of_history_leaves_work_on_every_first_screen():
    categories_ensure()
    with time_machine.travel(NOW, tick=False):
        _play(seed=1)

        # The evaluation day played on 20 June: the month settled and froze, with rankings.
        report = EvaluationReport.objects.get()
        assert report.period == "2026-06"
        assert report.figures["settled"]["closed"] > 50
        assert sorted(unit["rank"] for unit in report.figures["units"]) == [1, 2, 3, 4, 5]
        verified = StringIO()
        call_command("verify_evaluation", "--period", "2026-06", stdout=verified)
        assert "agrees with the log" in verified.getvalue()
        states = set(Case.objects.values_list("state", flat=True))
        assert {"closed", "rejected", "evaluating", "handling"} <= states
        assert CaseEvent.objects.filter(transition="reopen", payload__evaluation="2026-06").exists()
        assert CaseEvent.objects.filter(transition="whistle").exists()
        assert Extension.objects.filter(state=Extension.State.GRANTED).exists()
        assert Urge.objects.filter(state=Urge.State.ANSWERED).exists()
        assert Summons.objects.filter(role="co", part_done_at__isnull=False).exists()
        # Old breaches were reviewed; the last days' wait for the supervisor, beside an incident.
        assert SlaBreach.objects.filter(acknowledged_at__isnull=False).exists()
        assert SlaTimer.objects.filter(state=SlaTimer.State.INCIDENT).count() == 1

        for username, page, work in [
            ("gridworker", "/grid/", r'class="case-card" data-reference='),
            ("dispatcher", "/dispatch/", r'class="case-card" data-reference='),
            ("unitmember", "/inbox/", r'class="case-card" data-reference='),
            ("party_committee", "/consultations/", r'data-consultation="\d+" [^>]*data-state="voting"'),
            ("supervisor", "/breaches/", r'data-acknowledged="no"'),
        ]:
            response = _first_screen(username)
            assert response.redirect_chain[-1][0] == page, username
            assert re.search(work, response.content.decode()), username
        assert b"data-incident=" in _first_screen("supervisor").content


def test_months_out_of_range_are_refused():
    for months in ["-1", "25"]:
        with pytest.raises(CommandError, match="--months"):
            call_command("seed_demo", "--months", months)
