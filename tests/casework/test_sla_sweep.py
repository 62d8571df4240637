"""The sweep fires due clocks once: warn at 80 %, breach at 100 %, then act (docs/sla.md#sweep)."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from casework.models import CaseEvent, Notification, SlaBreach, SlaTimer
from casework.services import sla_sweep as sweep_module
from casework.services.notification_delivery import notifications_deliver
from casework.services.sla_sweep import sla_sweep
from casework.services.sla_timers import timer_start
from tests.factories import case_file, case_move
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

FRIDAY_10 = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
RESPOND_DUE = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def classified(demo):
    """A normal case classified on Friday 10:00: respond is due Monday 10:00."""
    with time_machine.travel(FRIDAY_10, tick=False):
        return case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload()),
        )


def inbox(demo, username):
    return list(Notification.objects.filter(user=demo.user(username)).values_list("kind", flat=True))


def test_nothing_happens_before_eighty_percent(demo, classified):
    timer = SlaTimer.objects.get(case=classified)
    assert sla_sweep(now=timer.warn_at - timedelta(seconds=1)) == {}
    assert inbox(demo, "unitmember") == []


def test_the_assigned_unit_is_warned_at_eighty_percent_once(demo, classified):
    timer = SlaTimer.objects.get(case=classified)
    assert sla_sweep(now=timer.warn_at) == {"warned": 1}
    assert sla_sweep(now=timer.warn_at + timedelta(minutes=1)) == {}

    assert inbox(demo, "unitmember") == ["warning"]
    note = Notification.objects.get(user=demo.user("unitmember"))
    assert classified.reference in note.message and note.case == classified
    timer.refresh_from_db()
    assert timer.warned_at == timer.warn_at and timer.next_check_at == RESPOND_DUE
    assert not SlaBreach.objects.exists()


def test_a_missed_respond_is_a_breach_raised_to_the_street(demo, classified):
    late = RESPOND_DUE + timedelta(minutes=5)
    assert sla_sweep(now=late) == {"breached": 1}

    breach = SlaBreach.objects.get()
    assert (breach.case, breach.kind, breach.unit) == (classified, "respond", demo.unit())
    assert breach.due_at == RESPOND_DUE and breach.breached_at == late
    assert breach.late_by == timedelta(minutes=5)
    assert SlaTimer.objects.get(case=classified).state == "breached"
    # 吹哨: the case's own record shows it was raised, and the street is told.
    whistle = CaseEvent.objects.get(case=classified, transition="whistle")
    assert (whistle.from_state, whistle.to_state, whistle.actor) == ("classified", "classified", None)
    assert whistle.seq == classified.version + 1
    assert inbox(demo, "supervisor") == ["whistle"]


def test_the_same_sweep_three_times_records_one_breach(demo, classified):
    late = RESPOND_DUE + timedelta(seconds=1)
    results = [sla_sweep(now=late) for _ in range(3)]
    assert results == [{"breached": 1}, {}, {}]
    assert SlaBreach.objects.count() == 1
    assert CaseEvent.objects.filter(transition="whistle").count() == 1
    assert Notification.objects.filter(kind="whistle").count() == 1


def test_a_clock_stopped_in_time_never_fires(demo, classified):
    case_move(classified, (demo.user("unitmember"), "accept", {}))
    assert sla_sweep(now=RESPOND_DUE + timedelta(hours=1)) == {}
    assert not SlaBreach.objects.exists()


def test_a_late_response_is_recorded_on_the_breached_clock(demo, classified):
    sla_sweep(now=RESPOND_DUE)
    classified.refresh_from_db()  # the whistle moved its version on
    with time_machine.travel(RESPOND_DUE + timedelta(hours=3), tick=False):
        case_move(classified, (demo.user("unitmember"), "accept", {}))
    timer = SlaTimer.objects.get(case=classified, kind="respond")
    assert (timer.state, timer.stopped_at) == ("breached", RESPOND_DUE + timedelta(hours=3))


def test_notifications_are_written_in_the_offices_language(demo, classified):
    from django.utils import translation

    with translation.override("en"):
        sla_sweep(now=RESPOND_DUE)
    note = Notification.objects.get(kind="whistle")
    assert "吹哨" in note.message or "街道" in note.message


def test_a_missed_resolve_notifies_the_supervisor(demo):
    with time_machine.travel(FRIDAY_10, tick=False):
        case = demo.case_in("handling")
    resolve = SlaTimer.objects.get(case=case, kind="resolve", state="running")
    assert sla_sweep(now=resolve.due_at) == {"breached": 1}
    assert inbox(demo, "supervisor") == ["breach"]
    assert not CaseEvent.objects.filter(transition="whistle").exists()


def test_a_hard_case_missing_resolve_calls_for_a_consultation(demo):
    with time_machine.travel(FRIDAY_10, tick=False):
        case = case_move(
            case_file(demo.user("gridworker")),
            (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
            (demo.user("unitmember"), "accept", {}),
        )
    resolve = SlaTimer.objects.get(case=case, kind="resolve", state="running")
    sla_sweep(now=resolve.due_at)
    for username in ("supervisor", "dispatcher"):
        note = Notification.objects.get(user=demo.user(username))
        assert note.kind == "consult_needed" and case.reference in note.message


def test_a_missed_consultation_goes_to_the_supervisor(demo):
    case = demo.case_in("collected")  # no other clock running to muddle the inbox
    with time_machine.travel(FRIDAY_10, tick=False):
        timer = timer_start(case=case, kind="consult", at=FRIDAY_10)
    sla_sweep(now=timer.due_at)
    note = Notification.objects.get(user=demo.user("supervisor"))
    assert note.kind == "decide_needed" and case.reference in note.message


def test_sla_sweep_command_fires_what_is_due_at_the_given_instant(demo, classified):
    out = StringIO()
    call_command("sla_sweep", "--at", "2026-11-23T09:59:59+08:00", stdout=out)
    assert "warned 1" in out.getvalue() and not SlaBreach.objects.exists()
    call_command("sla_sweep", "--at", "2026-11-23T10:00:00+08:00", stdout=out)
    assert "breached 1" in out.getvalue() and SlaBreach.objects.count() == 1


def test_sla_sweep_command_rejects_a_bad_instant(db):
    with pytest.raises(Exception, match="ISO-8601"):
        call_command("sla_sweep", "--at", "next tuesday")


def test_a_failing_action_is_retried_then_parked_as_an_incident(demo, classified, monkeypatch, settings):
    settings.SLA_MAX_ATTEMPTS = 3
    healthy = case_move(
        case_file(demo.user("gridworker")),
        (demo.user("dispatcher"), "classify", demo.classify_payload()),
    )
    SlaTimer.objects.filter(case=healthy).update(due_at=RESPOND_DUE, next_check_at=RESPOND_DUE)
    whistle = sweep_module.BREACH_ACTIONS["respond"]

    def broken_for_one_case(*, timer, case, now):
        if case.pk == classified.pk:
            raise RuntimeError("mail server on fire")
        whistle(timer=timer, case=case, now=now)

    monkeypatch.setitem(sweep_module.BREACH_ACTIONS, "respond", broken_for_one_case)

    now = RESPOND_DUE
    assert sla_sweep(now=now) == {"breached": 1, "retry": 1}  # the healthy one still fires
    broken = SlaTimer.objects.get(case=classified)
    assert (broken.state, broken.attempts) == ("running", 1)
    assert "mail server on fire" in broken.last_error
    assert not SlaBreach.objects.filter(case=classified).exists()  # rolled back with the failure

    now = broken.next_check_at
    assert sla_sweep(now=now) == {"retry": 1}
    now = SlaTimer.objects.get(pk=broken.pk).next_check_at
    assert sla_sweep(now=now) == {"incident": 1}
    broken.refresh_from_db()
    assert (broken.state, broken.attempts, broken.next_check_at) == ("incident", 3, None)
    assert sla_sweep(now=now + timedelta(days=1)) == {}  # parked, not retried forever


def test_notifications_go_out_by_mail_when_the_user_has_an_address(demo, classified):
    supervisor = demo.user("supervisor")
    supervisor.email = "jiedao@example.cn"
    supervisor.save()
    sla_sweep(now=RESPOND_DUE)
    assert notifications_deliver() == {"sent": 1}
    assert mail.outbox[0].to == ["jiedao@example.cn"]
    assert classified.reference in mail.outbox[0].body
