"""Retention (docs/privacy.md#retention): RETENTION_MONTHS after a case is closed or rejected,
the daily task removes the resident's contact details from the case, its log, its residents'
door record and its photo — and every door shows them gone — while replay and the frozen
evaluation reports read exactly as before."""

import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from casework import tasks
from casework.models import Case, CaseEvent, PublicIntake
from casework.services.evaluation_run import evaluation_run
from casework.services.retention import cases_anonymise_due
from tests.factories import case_move, transition_url
from tests.open311.conftest import BASE, doors_prepare, png_bytes
from workflows.case_states import Outcome, Satisfaction
from workflows.replay import replay
from config.celery import app
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

PHONE_DIGITS = re.compile(r"138\D{0,3}1234\D{0,3}5678|8765\D?4321|110101199003071234|6234\D?5678")
DESCRIPTION = "我是李明，住和平里3号楼502。电话138 1234 5678，身份证110101199003071234，座机（010）6234 5678。"
RESULT = "已清运。李明如再发现请拨13812345678或物业139-8765-4321。"
COMMENT = "李明说修好了，电话 +86 138 1234 5678"
DECEMBER_RUN = datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI)
LATER = datetime(2029, 1, 5, 10, 0, tzinfo=SHANGHAI)  # 25 months after the close


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def eager():
    """Run the tasks the outbox enqueues in this process, as an eager app does."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def doors(demo, settings, tmp_path):
    doors_prepare(settings, tmp_path)
    return demo


def filed_on_the_form() -> Case:
    """A resident reports on the public form, with a photo; staff see it through to closed."""
    response = Client().post(
        "/report/",
        {
            "category": "env-garbage",
            "description": DESCRIPTION,
            "address": "和平里3号楼东侧",
            "reporter_name": "李明",
            "reporter_phone": "138 1234 5678",
            "photo": SimpleUploadedFile("home.png", png_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    return PublicIntake.objects.select_related("case").latest("id").case


def closed_through_the_api(demo, api, case: Case) -> Case:
    for username, name, payload in [
        ("dispatcher", "classify", demo.classify_payload()),
        ("unitmember", "accept", {}),
        ("unitmember", "resolve", {"result": RESULT, "outcome": Outcome.FIXED}),
        ("gridworker", "rate",
         {"satisfaction": Satisfaction.SATISFIED, "comment": COMMENT, "channel": "phone"}),
        ("dispatcher", "close", {}),
    ]:  # fmt: skip
        case.refresh_from_db()
        response = api(username).post(
            transition_url(case.reference, name), {**payload, "version": case.version}
        )
        assert response.status_code == 200, response.content
    case.refresh_from_db()
    return case


def everything_shown(api, case: Case) -> str:
    """What the case's dispatcher (who reads personal data whole) and the public are served."""
    dispatcher = api("dispatcher")
    return "\n".join([
        dispatcher.get(f"/api/v1/cases/{case.reference}/").content.decode(),
        dispatcher.get(f"/api/v1/cases/{case.reference}/events/").content.decode(),
        Client().get(f"{BASE}/requests/{case.reference}.json").content.decode(),
        Client().get(f"{BASE}/requests.json").content.decode(),
    ])  # fmt: skip


def verified(period: str) -> str:
    out = io.StringIO()
    call_command("verify_evaluation", "--period", period, stdout=out)
    return out.getvalue()


def test_after_the_retention_period_the_task_removes_the_residents_contact_everywhere(
    doors, api, eager, django_capture_on_commit_callbacks
):
    case = closed_through_the_api(doors, api, filed_on_the_form())
    photo = Path(settings.MEDIA_ROOT, case.public_intake.photo.name)
    assert photo.exists()
    assert PHONE_DIGITS.search(everything_shown(api, case))  # the dispatcher reads it whole
    with time_machine.travel(DECEMBER_RUN, tick=False):
        report = evaluation_run(period="2026-12")
    frozen = (report.checksum, report.figures)
    replayed_before = replay(case.events.order_by("seq"))
    events_before = case.events.count()

    # The photo's file goes once the transaction commits, by a task through the outbox.
    with time_machine.travel(LATER, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.cases_anonymise_due.apply().get() == 1

    case.refresh_from_db()
    assert (case.reporter_name, case.reporter_phone) == ("", "")
    assert "李明" not in case.description and "和平里3号楼502" in case.description
    assert "****" in case.description and "李明" not in case.resolution
    shown = everything_shown(api, case)
    assert not PHONE_DIGITS.search(shown), shown
    assert "李明" not in shown
    for event in case.events.all():
        assert not PHONE_DIGITS.search(str(event.payload)) and "李明" not in str(event.payload)

    intake = PublicIntake.objects.get(case=case)
    assert (intake.email, intake.device_id, intake.photo.name) == ("", "", "")
    assert not photo.exists()
    staff = Client()
    staff.force_login(doors.user("dispatcher"))
    assert staff.get(f"/cases/{case.reference}/photo/").status_code == 404

    # Recorded once, by the system, in the log; the case's facts replay as before.
    record = case.events.get(transition="anonymised")
    assert (record.seq, record.actor_id, record.from_state, record.to_state) == (
        events_before + 1, None, "closed", "closed",
    )  # fmt: skip
    assert record.payload == {"retention_months": 24, "events_scrubbed": 2, "photo_deleted": True}
    assert record.at == LATER
    assert replay(case.events.order_by("seq")) == replayed_before
    assert (case.state, case.outcome, case.satisfaction) == ("closed", "fixed", "satisfied")

    # The frozen report is the same row and still agrees with the log.
    report.refresh_from_db()
    assert (report.checksum, report.figures) == frozen
    assert "agrees" in verified("2026-12")


def test_the_anonymisation_counts_as_no_activity_in_a_later_report(doors, api):
    closed_through_the_api(doors, api, filed_on_the_form())
    with time_machine.travel(LATER, tick=False):
        cases_anonymise_due()
    with time_machine.travel(at(2029, 1, 20, 10), tick=False):
        report = evaluation_run(period="2029-01")

    assert report.figures["grids"] == [] and report.figures["totals"]["received"] == 0
    assert "agrees" in verified("2029-01")


def test_a_case_not_yet_due_and_a_case_still_open_are_left_alone(doors, api):
    due = closed_through_the_api(doors, api, filed_on_the_form())
    with time_machine.travel(at(2027, 1, 10, 10), tick=False):
        recent = case_move(
            doors.case_in("collected"), (doors.user("dispatcher"), "reject", {"reason": "重复 13812345678"})
        )
    still_open = doors.case_in("handling")  # filed today, never closed: never due
    untouched = {
        c.pk: (c.reporter_name, c.reporter_phone, c.version, c.reject_reason)
        for c in Case.objects.filter(pk__in=[recent.pk, still_open.pk])
    }

    with time_machine.travel(at(2029, 1, 5, 10), tick=False):
        assert cases_anonymise_due() == 1  # only the case closed 25 months ago

    for c in Case.objects.filter(pk__in=[recent.pk, still_open.pk]):
        assert (c.reporter_name, c.reporter_phone, c.version, c.reject_reason) == untouched[c.pk]
    assert not CaseEvent.objects.filter(transition="anonymised").exclude(case=due).exists()

    # The rejected one is due two years after its rejection, like a closed one.
    with time_machine.travel(at(2029, 1, 11, 10), tick=False):
        assert cases_anonymise_due() == 1
    recent.refresh_from_db()
    assert (recent.reporter_phone, recent.reject_reason) == ("", "重复 ***********")


def test_running_it_again_changes_nothing(doors, api):
    case = closed_through_the_api(doors, api, filed_on_the_form())
    with time_machine.travel(LATER, tick=False):
        assert cases_anonymise_due() == 1
        case.refresh_from_db()
        version, events = case.version, list(case.events.values_list("seq", "payload"))
        assert cases_anonymise_due() == 0
        assert tasks.cases_anonymise_due.apply().get() == 0

    case.refresh_from_db()
    assert case.version == version
    assert list(case.events.values_list("seq", "payload")) == events


def test_retention_months_is_a_setting(doors, api, settings):
    settings.RETENTION_MONTHS = 36
    case = closed_through_the_api(doors, api, filed_on_the_form())
    with time_machine.travel(LATER, tick=False):
        assert cases_anonymise_due() == 0
    with time_machine.travel(at(2030, 1, 5, 10), tick=False):
        assert cases_anonymise_due() == 1
    assert case.events.get(transition="anonymised").payload["retention_months"] == 36


def test_batches_cover_every_due_case(doors):
    cases = [doors.case_in("closed") for _ in range(5)]
    with time_machine.travel(LATER, tick=False):
        assert cases_anonymise_due(batch_size=2) == 5
    assert set(
        CaseEvent.objects.filter(transition="anonymised").values_list("case_id", flat=True)
    ) == {c.pk for c in cases}
    assert not Case.objects.exclude(reporter_phone="").exists()


def test_the_command_counts_with_dry_run_and_then_anonymises(doors):
    doors.case_in("closed")
    doors.case_in("closed")
    with time_machine.travel(LATER, tick=False):
        out = io.StringIO()
        call_command("anonymise_due", "--dry-run", stdout=out)
        assert "2 case(s) due" in out.getvalue()
        assert Case.objects.exclude(reporter_phone="").count() == 2
        assert not CaseEvent.objects.filter(transition="anonymised").exists()

        out = io.StringIO()
        call_command("anonymise_due", stdout=out)
        assert "2 case(s) anonymised" in out.getvalue()
    assert not Case.objects.exclude(reporter_phone="").exists()


def test_beat_runs_it_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    assert entry["task"] == tasks.cases_anonymise_due.name
    assert entry["schedule"].hour == {settings.RETENTION_HOUR}
    assert entry["schedule"].day_of_month == set(range(1, 32))


def test_once_anonymised_the_resident_is_no_longer_found_by_their_number(doors, api):
    case = closed_through_the_api(doors, api, filed_on_the_form())
    found = api("dispatcher").post("/api/v1/resident-data-exports/", {"phone": "13812345678"})
    assert [c["reference"] for c in found.json()["cases"]] == [case.reference]

    with time_machine.travel(LATER, tick=False):
        cases_anonymise_due()
        staff = Client()  # signed in afresh: yesterday's token lapsed long ago
        staff.force_login(doors.user("dispatcher"))
        found = staff.post("/resident-data/", {"phone": "13812345678"})
    assert found.status_code == 200 and json.loads(found.content)["cases"] == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_anonymise_each_case_exactly_once(demo):
    """Real row locks on PostgreSQL: each worker skips the batch the other holds."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    cases = [demo.case_in("closed") for _ in range(30)]
    barrier = Barrier(2)

    def worker(_):
        barrier.wait()
        try:
            return cases_anonymise_due(now=LATER, batch_size=3)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(worker, range(2)))

    assert sum(counts) == len(cases) and all(counts), counts
    per_case = CaseEvent.objects.filter(transition="anonymised").values_list("case_id", flat=True)
    assert sorted(per_case) == sorted(c.pk for c in cases)


def test_the_photo_task_deletes_only_an_orphaned_residents_photo_and_may_run_twice(doors):
    case = filed_on_the_form()
    used = case.public_intake.photo.name
    orphan = Path(settings.MEDIA_ROOT, "resident-photos/2026/12/orphan.png")
    orphan.write_bytes(png_bytes())
    elsewhere = Path(settings.MEDIA_ROOT, "other.png")
    elsewhere.write_bytes(png_bytes())

    assert tasks.resident_photo_delete.apply(["resident-photos/2026/12/orphan.png"]).get()
    assert not orphan.exists()
    assert not tasks.resident_photo_delete.apply(["resident-photos/2026/12/orphan.png"]).get()
    assert not tasks.resident_photo_delete.apply([used]).get()  # an intake still shows it
    assert not tasks.resident_photo_delete.apply(["other.png"]).get()
    assert not tasks.resident_photo_delete.apply(["resident-photos/../other.png"]).get()
    assert Path(settings.MEDIA_ROOT, used).exists() and elsewhere.exists()
