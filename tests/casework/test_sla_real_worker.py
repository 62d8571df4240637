"""The SLA sweep on a real Celery worker and beat, over a real broker and PostgreSQL
(docs/sla.md#sweep, docs/architecture.md#runtime): CI runs them against Redis, since a
broker's own delivery rules (Redis redelivers long countdowns) are what they check.

Timers are real rows made due by moving their times into the past (or a few seconds
ahead); workers and beat are real `celery` subprocesses pointed at the test database.
Every scenario ends with the same check: each due timer fired exactly once — one breach,
one `whistle` event on its case, one notification per person — and nothing is left due.

Run with DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (or amqp://…);
on SQLite or without a broker server they are skipped.
"""

import ast
import re
import statistics
import time
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from casework.models import (
    Case,
    CaseEvent,
    EvaluationReport,
    Heartbeat,
    Notification,
    SlaBreach,
    SlaTimer,
)
from casework.services.evaluation_run import period_bounds
from casework.services.notifications import street_supervisors, unit_members
from config.celery import app
from tests.celery_processes import CeleryProcesses, celery_env, database_url, wait_until
from tests.factories import case_file, case_move
from workflows.evaluation_rules import period_due

SERVER_BROKERS = ("redis://", "rediss://", "amqp://", "pyamqp://")

pytestmark = [
    pytest.mark.real_clock,  # the workers run in other processes, on the real clock
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not str(settings.CELERY_BROKER_URL).startswith(SERVER_BROKERS),
        reason="needs a broker server shared with worker subprocesses: "
        "set CELERY_BROKER_URL=redis://… or amqp://…",
    ),
]

SWEEP = "casework.tasks.sla_sweep"
SWEEP_DONE = r"Task casework\.tasks\.sla_sweep\[[^\]]+\] succeeded in [\d.]+s: (\{[^\n]*\})"
DELIVERED = r"Task casework\.tasks\.notifications_deliver\[[^\]]+\] succeeded in [\d.]+s: (\{[^\n]*\})"
FAILED = r"Task casework\.tasks\.\w+\[[^\]]+\] raised unexpected"
SWEEP_SECONDS = 1  # beat's interval in the subprocesses
WAIT = 60  # seconds: the longest any condition below may take before the test fails


# ---------------------------------------------------------------- fixtures and helpers

def broker_purge() -> None:
    """Empty the queue, and on Redis forget messages a killed worker left unacknowledged
    (they would come back after the visibility timeout, in some later run)."""
    app.control.purge()
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
            "unacked", "unacked_index", "unacked_mutex"
        )


@pytest.fixture
def celery_procs(request, transactional_db, tmp_path):
    """Start/stop workers and beat against the test database and the test broker.

    Depends on the database fixture so the processes are stopped before the flush.
    """
    broker_purge()
    env = celery_env(
        database_url=database_url(connection.settings_dict),
        broker_url=settings.CELERY_BROKER_URL,
        var_dir=tmp_path / "var",
        SLA_SWEEP_SECONDS=str(SWEEP_SECONDS),
    )
    procs = CeleryProcesses(tmp_path, env=env)
    failed_before = request.session.testsfailed
    yield procs
    procs.stop_all()
    backends_wait_gone()
    if request.session.testsfailed > failed_before:
        print(procs.logs())
    broker_purge()


def backends() -> list[tuple]:
    """Other client connections to the test database — the workers' (beat holds none) —
    as (pid, state, inside a multi-statement transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, state = 'idle in transaction' OR xact_start < query_start"
            " FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        return cursor.fetchall()


def backends_wait_gone() -> None:
    wait_until(lambda: not backends(), timeout=WAIT, message=lambda: f"backends left: {backends()}")


def classified_cases(demo, count: int) -> list[Case]:
    """`count` cases filed and classified through the services: each has a running respond
    clock owed by property-1 (due one working day later)."""
    gridworker, dispatcher = demo.user("gridworker"), demo.user("dispatcher")
    payload = demo.classify_payload()
    return [
        case_move(case_file(gridworker), (dispatcher, "classify", payload)) for _ in range(count)
    ]


def respond_timers(cases) -> list[int]:
    ids = list(
        SlaTimer.objects.filter(case__in=cases, kind="respond", state="running")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(ids) == len(cases)
    return ids


def make_due(timer_ids, *, due_at, warn_at=None) -> None:
    """Move real timer rows: warn and due at the given instants, next check at the warning."""
    warn_at = warn_at or due_at - timedelta(minutes=1)
    SlaTimer.objects.filter(pk__in=timer_ids).update(
        started_at=warn_at - (due_at - warn_at) * 4,  # so warn_at sits at 80 %
        warn_at=warn_at,
        due_at=due_at,
        next_check_at=warn_at,
    )


def breached(timer_ids) -> int:
    return SlaBreach.objects.filter(timer_id__in=timer_ids).count()


def wait_breached(timer_ids, procs, timeout: float = WAIT) -> float:
    """Wait until every timer has its breach; returns how long that took."""
    started = time.monotonic()
    wait_until(
        lambda: breached(timer_ids) >= len(timer_ids),
        timeout=timeout,
        interval=0.1,
        message=lambda: f"{breached(timer_ids)}/{len(timer_ids)} breached\n{procs.logs()}",
    )
    return time.monotonic() - started


def sweep_results(process) -> list[dict]:
    """What each sweep this worker ran reported, e.g. [{'breached': 200}, {}]."""
    return [ast.literal_eval(found) for found in re.findall(SWEEP_DONE, process.log())]


def assert_fired_exactly_once(cases, timer_ids, *, warned: bool = False) -> None:
    """One breach per timer, one whistle event per case, one notification per person and
    timer (none twice), every event numbered by the case's version, nothing left due."""
    case_ids = [case.pk for case in cases]
    timers = SlaTimer.objects.filter(pk__in=timer_ids)
    assert timers.count() == len(timer_ids)
    assert Counter(timers.values_list("state", flat=True)) == {"breached": len(timer_ids)}
    assert not timers.filter(next_check_at__isnull=False).exists()
    assert not SlaTimer.objects.filter(next_check_at__lte=timezone.now()).exists(), "left due"
    assert not timers.exclude(attempts=0).exists(), list(timers.exclude(attempts=0).values("pk", "last_error"))

    per_timer = Counter(SlaBreach.objects.filter(timer_id__in=timer_ids).values_list("timer_id", flat=True))
    assert per_timer == dict.fromkeys(timer_ids, 1)
    assert SlaBreach.objects.count() == len(timer_ids)
    for breach in SlaBreach.objects.filter(timer_id__in=timer_ids).select_related("timer"):
        assert breach.due_at == breach.timer.due_at and breach.breached_at >= breach.due_at

    whistles = Counter(
        CaseEvent.objects.filter(case_id__in=case_ids, transition="whistle").values_list("case_id", flat=True)
    )
    assert whistles == dict.fromkeys(case_ids, 1), "one whistle event per missed respond"
    for case in Case.objects.filter(pk__in=case_ids):
        seqs = list(case.events.order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1)) and seqs[-1] == case.version, case.reference

    duplicated = (
        Notification.objects.values("user_id", "case_id", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicated.exists(), list(duplicated)
    supervisors = set(street_supervisors(cases[0]))
    assert supervisors, "the demo street has a supervisor to raise cases to"
    for kind, people in (("whistle", supervisors), ("warning", set(unit_members(cases[0].unit_id)))):
        expected = {(user, case) for user in people for case in case_ids} if kind == "whistle" or warned else set()
        got = set(Notification.objects.filter(kind=kind).values_list("user_id", "case_id"))
        assert got == expected, kind
    assert not Notification.objects.filter(kind__in=["breach", "incident"]).exists()


def quiet_for(procs_beat, worker, ticks: int = 2) -> None:
    """Let beat send `ticks` more sweeps and the worker finish them: a duplicate firing
    would happen here if it were going to."""
    sent, done = procs_beat.count(r"Sending due task sla-sweep"), worker.count(SWEEP_DONE)
    procs_beat.wait_for(r"Sending due task sla-sweep", count=sent + ticks, timeout=WAIT)
    worker.wait_for(SWEEP_DONE, count=done + ticks, timeout=WAIT)


def percentile(values, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


# ---------------------------------------------------------------- the scenarios

def test_timers_falling_due_are_warned_then_breached_within_seconds(demo, celery_procs):
    cases = classified_cases(demo, 40)
    timer_ids = respond_timers(cases)
    worker = celery_procs.worker("w", concurrency=2, wait=False)
    beat = celery_procs.beat(wait=False)
    celery_procs.wait_ready(worker)
    beat.wait_for(r"beat: Starting")

    # Fall due over the next few seconds, each warned 2.5 s before: the warning and the
    # breach are separate sweeps (one a second), as they are in life.
    t0 = timezone.now()
    for i, timer_id in enumerate(timer_ids):
        due = t0 + timedelta(seconds=3 + 3 * i / len(timer_ids))
        make_due([timer_id], due_at=due, warn_at=due - timedelta(seconds=2.5))
    wait_breached(timer_ids, celery_procs)
    quiet_for(beat, worker)

    lags = [
        (b.breached_at - b.due_at).total_seconds()
        for b in SlaBreach.objects.filter(timer_id__in=timer_ids)
    ]
    p50, p99 = statistics.median(lags), percentile(lags, 0.99)
    print(
        f"\nSLA breach lag over {len(lags)} timers (sweep every {SWEEP_SECONDS} s): "
        f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {max(lags):.2f} s"
    )
    assert p99 < 5, f"breaches lag their due time by up to {p99:.1f} s"
    warned = SlaTimer.objects.filter(pk__in=timer_ids, warned_at__isnull=False)
    assert warned.count() == len(timer_ids), "each was warned at 80 % before it was breached"
    assert_fired_exactly_once(cases, timer_ids, warned=True)


def test_the_same_sweep_delivered_three_times_breaches_each_timer_once(demo, celery_procs):
    cases = classified_cases(demo, 60)
    timer_ids = respond_timers(cases)
    make_due(timer_ids, due_at=timezone.now() - timedelta(minutes=5))

    # One message id, three deliveries, all queued before a worker that runs three at once.
    result = app.send_task(SWEEP)
    for _ in range(2):
        app.send_task(SWEEP, task_id=result.id)
    worker = celery_procs.worker("w", concurrency=3)
    worker.wait_for(SWEEP_DONE, count=3, timeout=WAIT)

    results = sweep_results(worker)
    print(f"\nthree deliveries of one sweep reported {results}")
    assert len(results) == 3
    assert sum(r.get("breached", 0) for r in results) == len(timer_ids), results
    assert_fired_exactly_once(cases, timer_ids)


def test_two_workers_sweeping_at_once_breach_each_timer_once(demo, celery_procs):
    cases = classified_cases(demo, 300)
    timer_ids = respond_timers(cases)
    make_due(timer_ids, due_at=timezone.now() - timedelta(minutes=5))
    first = celery_procs.worker("w1", concurrency=1, wait=False)
    second = celery_procs.worker("w2", concurrency=1, wait=False)
    celery_procs.wait_ready(first)
    celery_procs.wait_ready(second)

    # Each worker takes one (prefetch 1, concurrency 1), so both sweep the same rows at once.
    app.send_task(SWEEP)
    app.send_task(SWEEP)
    wait_breached(timer_ids, celery_procs)
    first.wait_for(SWEEP_DONE, timeout=WAIT)
    second.wait_for(SWEEP_DONE, timeout=WAIT)

    results = [sweep_results(w) for w in (first, second)]
    by_worker = [sum(r.get("breached", 0) for r in rs) for rs in results]
    print(f"\ntwo workers breached {by_worker} of {len(timer_ids)} timers: {results}")
    assert sum(by_worker) == len(timer_ids)
    assert all(by_worker), f"both workers should have fired timers: {results}"
    # Every case has one clock and nobody else holds the cases: a "busy" here would mean
    # the two sweeps lock each other out (they did, via the joined community row).
    assert not any(r.get("busy") for rs in results for r in rs), results
    assert_fired_exactly_once(cases, timer_ids)


def test_a_worker_killed_mid_batch_leaves_nothing_half_done(demo, celery_procs):
    cases = classified_cases(demo, 400)  # several batches
    timer_ids = respond_timers(cases)
    make_due(timer_ids, due_at=timezone.now() - timedelta(minutes=5))
    beat = celery_procs.beat(wait=False)
    doomed = celery_procs.worker("doomed", concurrency=1, pool="prefork")

    # Kill once a batch has committed and a later one is open in PostgreSQL: a transaction
    # that has run more than one statement (or sits idle in it) is a batch in progress.
    def later_batch_open():
        done = breached(timer_ids)
        if done >= len(timer_ids):
            raise AssertionError("the sweep finished before it could be killed; add timers")
        return done and any(in_batch for _, _, in_batch in backends())

    wait_until(later_batch_open, timeout=WAIT, interval=0.01,
               message=lambda: f"{breached(timer_ids)} breached\n{celery_procs.logs()}")
    doomed.kill()
    at_kill = breached(timer_ids)
    backends_wait_gone()  # PostgreSQL rolled the open batch back when the connection died
    assert 0 < at_kill < len(timer_ids)
    assert breached(timer_ids) == at_kill
    assert SlaTimer.objects.filter(pk__in=timer_ids, state="breached").count() == at_kill
    assert CaseEvent.objects.filter(transition="whistle").count() == at_kill

    successor = celery_procs.worker("successor", concurrency=1)
    wait_breached(timer_ids, celery_procs)
    quiet_for(beat, successor)
    print(f"\nkilled mid-batch with {at_kill}/{len(timer_ids)} breached; the successor fired the rest")
    assert_fired_exactly_once(cases, timer_ids)


def test_timers_that_fell_due_while_beat_was_down_fire_once_when_it_is_back(demo, celery_procs):
    cases = classified_cases(demo, 40)
    timer_ids = respond_timers(cases)
    worker = celery_procs.worker("w", concurrency=2, wait=False)
    beat = celery_procs.beat(wait=False)
    celery_procs.wait_ready(worker)
    beat.wait_for(r"Sending due task sla-sweep", timeout=WAIT)
    worker.wait_for(SWEEP_DONE, timeout=WAIT)  # beat → broker → worker works
    beat.stop()

    # They fall due while nothing sends sweeps; the worker is up and idle.
    due = timezone.now() + timedelta(seconds=1)
    make_due(timer_ids, due_at=due, warn_at=due - timedelta(seconds=0.5))
    wait_until(lambda: timezone.now() > due + timedelta(seconds=2), timeout=10)
    assert breached(timer_ids) == 0, "nothing sweeps while beat is down"
    assert SlaTimer.objects.filter(pk__in=timer_ids, next_check_at__lte=timezone.now()).count() == len(timer_ids)

    beat = celery_procs.beat(name="beat-again")  # same schedule file, as after a restart
    wait_breached(timer_ids, celery_procs)
    quiet_for(beat, worker)
    assert_fired_exactly_once(cases, timer_ids)


def test_two_beats_send_everything_twice_and_nothing_happens_twice(demo, celery_procs, tmp_path):
    """Beat started on two machines by mistake (docs/deployment.md#one-beat): every sweep,
    heartbeat and evaluation run is sent twice, to two workers. Each timer still fires once,
    each notification is made and mailed once, and the month is frozen once."""
    for user in get_user_model().objects.all():  # so that each notification is mailed
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    # The last month that reached its evaluation day, with rated cases waiting to be closed.
    period = period_due(timezone.now(), settings.EVALUATION_DAY, settings.EVALUATION_HOUR)
    with time_machine.travel(period_bounds(period)[0] + timedelta(hours=1), tick=False):
        rated = [
            case_move(case_file(demo.user("gridworker")), *demo.steps_to("evaluating_rated"))
            for _ in range(20)
        ]
    cases = classified_cases(demo, 100)
    timer_ids = respond_timers(cases)

    # Each worker's start sends an evaluation catch-up too: two at once before anything else.
    workers = [celery_procs.worker(f"w{n}", concurrency=2, wait=False) for n in (1, 2)]
    beats = [
        celery_procs.beat(name=f"beat-{machine}", schedule=tmp_path / f"{machine}-schedule",
                          wait=False, env={"HEARTBEAT_SECONDS": "1"})
        for machine in ("a", "b")
    ]
    for process in workers:
        celery_procs.wait_ready(process)
    for beat in beats:
        beat.wait_for(r"beat: Starting")
    t0 = timezone.now()
    for i, timer_id in enumerate(timer_ids):
        due = t0 + timedelta(seconds=3 + 3 * i / len(timer_ids))
        make_due([timer_id], due_at=due, warn_at=due - timedelta(seconds=2.5))
    # What each beat sends at the evaluation hour.
    for _ in beats:
        app.send_task("casework.tasks.evaluation_catch_up")

    wait_breached(timer_ids, celery_procs)
    wait_until(lambda: EvaluationReport.objects.exists(), timeout=WAIT,
               message=lambda: f"no report\n{celery_procs.logs()}")
    # Both beats keep sending; give any duplicate the time to happen.
    for beat in beats:
        for task in ("sla-sweep", "heartbeat"):
            seen = beat.count(rf"Sending due task {task}")
            beat.wait_for(rf"Sending due task {task}", count=seen + 2, timeout=WAIT)
    done = [w.count(SWEEP_DONE) for w in workers]
    wait_until(lambda: sum(w.count(SWEEP_DONE) for w in workers) >= sum(done) + 4, timeout=WAIT)

    assert_fired_exactly_once(cases, timer_ids, warned=True)
    with_address = Notification.objects.exclude(user__email="").count()

    def mailed() -> int:
        """Messages the workers' delivery runs report sent (each run returns its outcomes)."""
        runs = [ast.literal_eval(r) for w in workers for r in re.findall(DELIVERED, w.log())]
        return sum(run.get("sent", 0) for run in runs)

    # The last firing's e-mails may still be on their way; more than one each never comes.
    wait_until(lambda: mailed() >= with_address, timeout=WAIT, message=lambda: f"{mailed()} mailed")
    assert with_address and mailed() == with_address, (mailed(), with_address)

    assert list(EvaluationReport.objects.values_list("period", flat=True)) == [str(period)]
    closes = Counter(
        CaseEvent.objects.filter(case__in=rated, transition="close").values_list("case_id", flat=True)
    )
    assert closes == {case.pk: 1 for case in rated}, "each rated case closed once"
    assert Counter(Case.objects.filter(pk__in=[c.pk for c in rated]).values_list("state", flat=True)) == {
        "closed": len(rated)
    }

    beat_row = Heartbeat.objects.get()
    assert beat_row.name == "beat" and timezone.now() - beat_row.at < timedelta(seconds=10)
    assert not [w.name for w in workers if w.count(FAILED)], celery_procs.logs()
    print(
        f"\ntwo beats sent {[b.count('Sending due task sla-sweep') for b in beats]} sweeps and "
        f"{[b.count('Sending due task heartbeat') for b in beats]} heartbeats; workers ran "
        f"{[w.count(SWEEP_DONE) for w in workers]} sweeps; {len(timer_ids)} timers breached once, "
        f"{mailed()} e-mails for {with_address} notifications, report {period} frozen once"
    )
