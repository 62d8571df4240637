"""The resident's rating is the resident's: one rating per evaluation round, the resident's
own (through the follow link) is final, and staff record a rating only as a callback (回访)
for a resident who has not rated — saying how, when and what the resident said.

Through the doors people use: the public report form and follow link, the REST API and
the staff case page."""

import re
from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from casework.models import Case, PublicIntake
from tests.factories import case_snapshot, case_url, transition_url
from tests.open311.conftest import doors_prepare
from workflows.replay import replay
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

REPORT = {
    "category": "env-garbage",
    "description": "3号楼东侧垃圾桶两天没有清运，气味很大。",
    "address": "和平里3号楼东侧",
}
CALLBACK = {"satisfaction": "satisfied", "comment": "居民说已经清运干净了", "channel": "phone"}


@pytest.fixture
def doors(demo, settings, tmp_path):
    doors_prepare(settings, tmp_path)
    return demo


@pytest.fixture
def resident():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def staff(username) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def reported(resident) -> tuple[Case, str]:
    """The resident reports through the public form; the case and its follow link."""
    response = resident.post("/report/", REPORT)
    assert response.status_code == 302, response.content.decode()
    link = re.fullmatch(r"(/follow/[\w-]{40,}/)\?new=1", response["Location"]).group(1)
    return PublicIntake.objects.select_related("case").latest("id").case, link


def run(api, username, case, name, **payload):
    """A transition over the API with the case's current version; the response (in English)."""
    version = api(username).get(case_url(case.reference)).json()["version"]
    return api(username).post(
        transition_url(case.reference, name), {"version": version, **payload},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def resolved_by_the_unit(api, demo, case) -> Case:
    """The dispatcher classifies, the unit accepts and resolves — all over the API."""
    for username, name, payload in [
        ("dispatcher", "classify", demo.classify_payload()),
        ("unitmember", "accept", {}),
        ("unitmember", "resolve", {"result": "已清运。", "outcome": "fixed"}),
    ]:
        response = run(api, username, case, name, **payload)
        assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert case.state == "evaluating"
    return case


def test_the_residents_own_rating_stands_against_staff(doors, api, resident):
    case, link = reported(resident)
    case = resolved_by_the_unit(api, doors, case)
    rate_page = resident.get(f"{link}rate/").content.decode()
    assert "data-rate-form" in rate_page
    response = resident.post(
        f"{link}rate/", {"satisfaction": "dissatisfied", "comment": "还是很臭", "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.satisfaction, case.rating_source) == ("dissatisfied", "resident")
    rating = case.events.latest("seq")
    assert (rating.transition, rating.actor_id, rating.payload) == (
        "rate", None, {"satisfaction": "dissatisfied", "comment": "还是很臭", "source": "resident"},
    )  # fmt: skip
    before = case_snapshot(case)

    # The grid worker tries to overwrite it over the API: 409, and nothing changes.
    refused = run(api, "gridworker", case, "rate", **CALLBACK)
    assert refused.status_code == 409
    assert refused.json()["error"] == "already_rated"
    assert "rated already" in refused.json()["detail"]
    assert case_snapshot(case) == before
    # The community's dispatcher may record callbacks too, and is refused the same way.
    assert run(api, "dispatcher", case, "rate", **CALLBACK).json()["error"] == "already_rated"
    assert case_snapshot(case) == before

    # The case page offers no callback, shows whose rating it is, and a hand-made post of
    # the form is refused with the reason shown.
    grid = staff("gridworker")
    page = grid.get(f"/cases/{case.reference}/").content.decode()
    assert 'data-transition-form="rate"' not in page
    assert re.search(r'data-rating-source="resident">Dissatisfied · 还是很臭 .*own rating', page)
    response = grid.post(
        f"/cases/{case.reference}/transitions/rate/",
        {"version": case.version, **CALLBACK, "called_at": ""},
    )
    assert response.status_code == 409
    assert "rated already" in response.content.decode()
    assert "data-error" in response.content.decode()
    assert case_snapshot(case) == before
    # A form from before the resident rated (an older version) is refused too.
    stale = grid.post(
        f"/cases/{case.reference}/transitions/rate/",
        {"version": case.version - 1, **CALLBACK, "called_at": ""},
    )
    assert stale.status_code == 409
    assert case_snapshot(case) == before

    # A reopen starts the next round: once resolved again, the resident (who has not rated
    # this round) can be called back, and then the link no longer rates.
    assert run(api, "supervisor", case, "reopen", reason="居民不满意，重新办理。").status_code == 200
    case.refresh_from_db()
    assert (case.satisfaction, case.rating_source) == ("", "")
    response = run(api, "unitmember", case, "resolve", result="已加装垃圾桶。", outcome="fixed")
    assert response.status_code == 200
    callback = run(api, "gridworker", case, "rate", **CALLBACK)
    assert callback.status_code == 200, callback.json()
    assert (callback.json()["satisfaction"], callback.json()["rating_source"]) == (
        "satisfied", "callback",
    )  # fmt: skip
    case.refresh_from_db()
    late = resident.post(f"{link}rate/", {"satisfaction": "dissatisfied", "version": case.version})
    assert late.status_code == 409
    assert "rated already" in late.content.decode()
    case.refresh_from_db()
    assert (case.satisfaction, case.rating_source) == ("satisfied", "callback")
    # The log alone tells whose each round's rating was (tests/conftest.py replays the rest).
    assert replay(case.events.order_by("seq")).rating_source == "callback"


def test_staff_record_a_callback_for_a_resident_who_has_not_rated(doors, api, resident):
    case, _link = reported(resident)
    case = resolved_by_the_unit(api, doors, case)
    resolved_at = case.events.latest("seq").at

    # Later that day the grid worker calls; they record it afterwards, saying when.
    with time_machine.travel(datetime(2026, 12, 3, 16, 0, tzinfo=SHANGHAI)):
        response = run(
            api, "gridworker", case, "rate", **CALLBACK, called_at="2026-12-03T15:30:00+08:00"
        )

    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert (case.satisfaction, case.rating_comment, case.rating_source) == (
        "satisfied", "居民说已经清运干净了", "callback",
    )  # fmt: skip
    event = case.events.select_related("actor").latest("seq")
    assert (event.transition, event.actor.username) == ("rate", "gridworker")
    assert event.payload == {
        "satisfaction": "satisfied",
        "comment": "居民说已经清运干净了",
        "source": "callback",
        "channel": "phone",
        "called_at": "2026-12-03T15:30:00+08:00",
    }
    assert datetime.fromisoformat(event.payload["called_at"]) > resolved_at
    listed = api("dispatcher").get(case_url(case.reference, "events/")).json()
    assert listed[-1]["actor"] and listed[-1]["payload"]["source"] == "callback"
    page = staff("dispatcher").get(f"/cases/{case.reference}/").content.decode()
    assert "recorded on a callback" in page
    assert re.search(r'data-transition="rate".*?Phone call.*?2026-12-03 15:30', page, re.S)

    # One rating a round: a second callback is refused and changes nothing.
    before = case_snapshot(case)
    again = run(api, "dispatcher", case, "rate", **{**CALLBACK, "satisfaction": "dissatisfied"})
    assert (again.status_code, again.json()["error"]) == (409, "already_rated")
    assert case_snapshot(case) == before


def test_a_callback_without_a_time_is_now(doors, api, resident):
    case, _link = reported(resident)
    case = resolved_by_the_unit(api, doors, case)

    response = run(api, "dispatcher", case, "rate", **{**CALLBACK, "channel": "visit"})

    assert response.status_code == 200, response.json()
    event = case.events.select_related("actor").latest("seq")
    assert (event.actor.username, event.payload["channel"]) == ("dispatcher", "visit")
    assert datetime.fromisoformat(event.payload["called_at"]) == event.at


@pytest.mark.parametrize(
    ("called_at", "message"),
    [
        ("2026-12-03T11:00:00+08:00", "future"),  # the pinned clock says 10:00
        ("2026-12-02T18:00:00+08:00", "before the case was resolved"),
        ("last Tuesday", "wrong format"),
    ],
)
def test_a_callback_at_an_impossible_time_is_400_and_changes_nothing(
    doors, api, resident, called_at, message
):
    case, _link = reported(resident)
    case = resolved_by_the_unit(api, doors, case)
    before = case_snapshot(case)

    response = run(api, "gridworker", case, "rate", **CALLBACK, called_at=called_at)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert message in " ".join(body["fields"]["called_at"])
    assert case_snapshot(case) == before


def test_a_callback_must_say_what_the_resident_said_and_how_they_were_reached(
    doors, api, resident
):
    case, _link = reported(resident)
    case = resolved_by_the_unit(api, doors, case)
    before = case_snapshot(case)

    # What a client that still rates "as the resident" sends.
    response = run(api, "gridworker", case, "rate", satisfaction="satisfied", comment="")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"comment", "channel"}
    assert case_snapshot(case) == before

    # Claiming to be the resident changes nothing: who rates is the actor's, not the body's.
    response = run(api, "gridworker", case, "rate", **CALLBACK, source="resident")
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.rating_source == "callback"


def test_the_case_page_form_shows_a_future_callback_as_an_error(doors, api, resident):
    case, _link = reported(resident)
    case = resolved_by_the_unit(api, doors, case)
    before = case_snapshot(case)
    grid = staff("gridworker")
    form = grid.get(f"/cases/{case.reference}/").content.decode()
    assert 'data-transition-form="rate"' in form
    assert "Record a callback" in form and 'type="datetime-local" name="called_at"' in form

    response = grid.post(
        f"/cases/{case.reference}/transitions/rate/",
        {"version": case.version, **CALLBACK, "called_at": "2026-12-04T09:00"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "The callback cannot be in the future." in html
    assert 'value="2026-12-04T09:00"' in html  # what was typed is kept
    assert case_snapshot(case) == before
