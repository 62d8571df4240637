"""The SLA parts of the staff pages (docs/sla.md#breaches): the supervisors' breach board,
everyone's notifications inbox, the case page's deadlines, suspend/resume from the page, and the
admin's SLA screens. Breaches are made the way production makes them: move the clock past a
deadline and run the sweep."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import (
    Case,
    Community,
    Membership,
    Notification,
    Role,
    SlaBreach,
    SlaTimer,
    Street,
)
from casework.services.sla_sweep import sla_sweep
from tests.factories import Demo, case_file, case_move
from workflows.working_time import SHANGHAI

from .conftest import PASSWORD
from .test_browser_lifecycle import fits_the_screen

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


FRIDAY_10 = at(2026, 11, 20, 10, 0)
# A normal case's respond clock: one working day, so over the weekend to Monday 10:00.
RESPOND_DUE = at(2026, 11, 23, 10, 0)
MONDAY_1130 = at(2026, 11, 23, 11, 30)


@pytest.fixture
def demo(street) -> Demo:
    return Demo()


def classified(demo, *, unit="property-1", grid="C1-G1") -> Case:
    """A case of community C1 the dispatcher assigned on Friday 10:00: its respond clock runs
    from then. The grid worker files in their own grid, the dispatcher in the others."""
    with time_machine.travel(FRIDAY_10, tick=False):
        filed_by = demo.user("gridworker" if grid == "C1-G1" else "dispatcher")
        case = case_file(filed_by, grid=demo.grid(grid).pk)
        return case_move(
            case, (demo.user("dispatcher"), "classify", demo.classify_payload(unit=unit))
        )


def api_as(demo, username):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(demo.user(username))
    return client


def sweep_at(moment: dt.datetime):
    with time_machine.travel(moment, tick=False):
        return sla_sweep(now=moment)


def text(response) -> str:
    """The page's HTML, with Django's non-breaking spaces in durations ("3\xa0hours") plain."""
    return response.content.decode().replace("\xa0", " ")


def breaches_on(response) -> list[str]:
    return [breach.case.reference for breach in response.context["breaches"]]


# ---------------------------------------------------------------- the breach board


def test_supervisor_sees_the_breaches_with_counts_per_unit(demo, page_client):
    first = classified(demo)
    second = classified(demo)
    other_unit = classified(demo, unit="dept-urban")
    on_time = classified(demo)
    case_move(on_time, (demo.user("unitmember"), "accept", {}))
    assert sweep_at(MONDAY_1130)["breached"] == 3

    response = page_client("supervisor").get("/breaches/")
    assert response.status_code == 200
    assert set(breaches_on(response)) == {first.reference, second.reference, other_unit.reference}
    counts = {
        row["unit__name"]: (row["open"], row["acknowledged"]) for row in response.context["counts"]
    }
    assert counts == {demo.unit().name: (2, 0), demo.unit("dept-urban").name: (1, 0)}

    body = text(response)
    assert f'href="/cases/{first.reference}/"' in body
    assert "2026-11-23 10:00" in body  # due, Beijing time
    assert "2026-11-23 11:30" in body  # breached
    assert "1 hour, 30 minutes" in body  # how late, in words
    assert len(re.findall(r'action="/breaches/\d+/acknowledge/"', body)) == 3  # one per breach


def test_filters_narrow_the_list_like_the_api(demo, page_client):
    respond_late = classified(demo)
    other_unit = classified(demo, unit="dept-urban")
    other_grid = classified(demo, grid="C1-G2")
    sweep_at(MONDAY_1130)
    client = page_client("supervisor")
    urban = demo.unit("dept-urban").pk

    cases = {
        "": {respond_late.reference, other_unit.reference, other_grid.reference},
        f"?unit={urban}": {other_unit.reference},
        f"?grid={demo.grid('C1-G2').pk}": {other_grid.reference},
        "?kind=respond": {respond_late.reference, other_unit.reference, other_grid.reference},
        "?kind=resolve": set(),
        "?month=2026-11": {respond_late.reference, other_unit.reference, other_grid.reference},
        "?month=2026-10": set(),
        "?status=open": {respond_late.reference, other_unit.reference, other_grid.reference},
        "?status=acknowledged": set(),
        f"?unit={urban}&status=open&month=2026-11": {other_unit.reference},
    }
    api = api_as(demo, "supervisor")
    for query, expected in cases.items():
        response = client.get(f"/breaches/{query}")
        assert response.status_code == 200, query
        assert set(breaches_on(response)) == expected, query
        listed = api.get(f"/api/v1/breaches/{query}").json()["results"]
        assert {row["case"] for row in listed} == expected, query  # the API agrees

    narrowed = client.get(f"/breaches/?unit={urban}")
    assert [row["unit_id"] for row in narrowed.context["counts"]] == [urban]  # counts follow
    assert f'<option value="{urban}" selected>' in narrowed.content.decode()


def test_a_bad_filter_is_shown_on_the_form(demo, page_client):
    classified(demo)
    sweep_at(MONDAY_1130)
    response = page_client("supervisor").get("/breaches/?month=2026-13&kind=never")
    assert response.status_code == 400
    assert set(response.context["board"].form.errors) == {"month", "kind"}
    assert "Use YYYY-MM." in response.content.decode()
    assert breaches_on(response) == []


def test_acknowledging_keeps_the_filters_and_a_second_time_is_a_conflict(demo, page_client):
    case = classified(demo)
    sweep_at(MONDAY_1130)
    breach = SlaBreach.objects.get(case=case)
    client = page_client("supervisor")
    url = f"/breaches/{breach.pk}/acknowledge/?status=open&month=2026-11"

    with time_machine.travel(at(2026, 11, 23, 14, 0), tick=False):
        response = client.post(url, {"comment": "已约谈物业，要求当天响应。"})
    assert response.status_code == 302
    assert response["Location"] == "/breaches/?status=open&month=2026-11"
    breach.refresh_from_db()
    assert breach.acknowledged_at == at(2026, 11, 23, 14, 0)
    assert breach.acknowledged_by.username == "supervisor"
    assert breach.comment == "已约谈物业，要求当天响应。"
    page = client.get(response["Location"])
    assert f"The breach of case {case.reference} is acknowledged." in page.content.decode()
    assert breaches_on(page) == []  # filtered to open ones: it is gone

    acknowledged = client.get("/breaches/?status=acknowledged").content.decode()
    assert "已约谈物业，要求当天响应。" in acknowledged
    assert f'action="/breaches/{breach.pk}/acknowledge/' not in acknowledged

    again = client.post(url, {"comment": "再次确认"}, follow=True)
    assert again.redirect_chain == [("/breaches/?status=open&month=2026-11", 302)]
    assert "This breach was already acknowledged." in again.content.decode()
    breach.refresh_from_db()
    assert breach.comment == "已约谈物业，要求当天响应。"  # the first one stands


def test_a_comment_that_is_too_long_is_refused_with_a_message(demo, page_client):
    classified(demo)
    sweep_at(MONDAY_1130)
    breach = SlaBreach.objects.get()
    response = page_client("supervisor").post(
        f"/breaches/{breach.pk}/acknowledge/", {"comment": "长" * 2001}, follow=True
    )
    assert "At most 2000 characters." in response.content.decode()
    breach.refresh_from_db()
    assert breach.acknowledged_at is None


def test_acknowledging_an_unknown_breach_is_404(page_client):
    assert page_client("supervisor").post("/breaches/999/acknowledge/", {}).status_code == 404


@pytest.mark.parametrize(
    "username", ["gridworker", "dispatcher", "unitmember", "party_committee", "outsider"]
)
def test_other_roles_may_not_open_the_board_or_acknowledge(demo, page_client, username):
    classified(demo)
    sweep_at(MONDAY_1130)
    breach = SlaBreach.objects.get()
    client = page_client(username)
    assert client.get("/breaches/").status_code == 403
    response = client.post(f"/breaches/{breach.pk}/acknowledge/", {"comment": "x"})
    assert response.status_code == 403
    breach.refresh_from_db()
    assert breach.acknowledged_at is None
    menu = [page.url_name for page in client.get("/cases/").context["nav_pages"]]
    assert "breach-board" not in menu


def test_supervisor_of_another_street_sees_nothing_and_cannot_acknowledge(demo, page_client):
    classified(demo)
    sweep_at(MONDAY_1130)
    breach = SlaBreach.objects.get()
    elsewhere = Street.objects.create(code="S9", name="别的街道")
    Community.objects.create(code="C9", name="别的社区", street=elsewhere)
    Membership.objects.create(user=demo.user("outsider"), role=Role.SUPERVISOR, street=elsewhere)

    client = page_client("outsider")
    response = client.get("/breaches/")
    assert response.status_code == 200
    assert breaches_on(response) == [] and response.context["counts"] == []
    assert client.post(f"/breaches/{breach.pk}/acknowledge/", {}).status_code == 404
    breach.refresh_from_db()
    assert breach.acknowledged_at is None


def test_board_lists_timers_parked_as_incidents(demo, page_client, settings, monkeypatch):
    from casework.services import sla_sweep as sweep_module

    settings.SLA_MAX_ATTEMPTS = 1

    def broken(**kwargs):
        raise RuntimeError(f"mail server down {SCRIPT}")

    monkeypatch.setitem(sweep_module.BREACH_ACTIONS, "respond", broken)
    case = classified(demo)
    assert sweep_at(MONDAY_1130)["incident"] == 1

    response = page_client("supervisor").get("/breaches/")
    (timer,) = response.context["incidents"]
    assert timer.case == case and timer.attempts == 1
    body = response.content.decode()
    assert f'data-incident="{timer.pk}"' in body
    assert "RuntimeError: mail server down" in body
    assert SCRIPT not in body and SCRIPT_ESCAPED in body


def test_board_takes_the_same_number_of_queries_for_more_breaches(
    demo, page_client, django_assert_num_queries
):
    client = page_client("supervisor")
    classified(demo)
    sweep_at(MONDAY_1130)
    with CaptureQueriesContext(connection) as one:
        client.get("/breaches/")
    for unit in ["property-1", "dept-urban", "property-1"]:
        classified(demo, unit=unit)
    sweep_at(MONDAY_1130)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/breaches/")
    assert len(response.context["breaches"]) == 4


def test_comments_on_the_board_are_escaped(demo, page_client):
    classified(demo)
    sweep_at(MONDAY_1130)
    client = page_client("supervisor")
    client.post(f"/breaches/{SlaBreach.objects.get().pk}/acknowledge/", {"comment": SCRIPT})
    body = client.get("/breaches/").content.decode()
    assert SCRIPT not in body and SCRIPT_ESCAPED in body


def test_board_is_chinese_by_default(demo, client):
    classified(demo)
    sweep_at(MONDAY_1130)
    client.force_login(demo.user("supervisor"))
    body = client.get("/breaches/").content.decode()
    assert "超时" in body  # the board's words
    assert "响应" in body  # the respond clock by its Chinese name


# ---------------------------------------------------------------- notifications


def test_inbox_lists_notifications_newest_first_with_the_unread_count(demo, page_client):
    case = classified(demo)
    sweep_at(at(2026, 11, 23, 8, 0))  # past 80 % (Sunday 19:36): the unit is warned
    sweep_at(MONDAY_1130)  # missed: the street is told

    client = page_client("supervisor")
    response = client.get("/notifications/")
    assert response.status_code == 200
    (whistle,) = response.context["notifications"]
    assert whistle.kind == "whistle" and whistle.read_at is None
    body = response.content.decode()
    assert 'data-unread="1"' in body  # the count in the top bar
    assert f'href="/cases/{case.reference}/"' in body
    assert "raised to the street" in body.lower()
    assert 'class="notification unread"' in body

    unit = page_client("unitmember").get("/notifications/")
    assert [n.kind for n in unit.context["notifications"]] == ["warning"]  # only their own


def test_unread_count_shows_on_every_page_from_one_query(demo, page_client):
    classified(demo)
    sweep_at(MONDAY_1130)
    client = page_client("supervisor")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/cases/")
    assert response.context["nav_unread"] == 1
    assert 'href="/notifications/" data-unread="1"' in response.content.decode()
    touching = [q["sql"] for q in queries.captured_queries if "casework_notification" in q["sql"]]
    assert len(touching) == 1 and "COUNT(" in touching[0].upper()
    assert page_client("gridworker").get("/grid/").context["nav_unread"] == 0


def test_mark_all_read_clears_the_count(demo, page_client):
    classified(demo)
    classified(demo)
    with time_machine.travel(MONDAY_1130, tick=False):
        sla_sweep(now=MONDAY_1130)
    client = page_client("supervisor")
    assert client.get("/notifications/").context["nav_unread"] == 2
    assert client.get("/notifications/read/").status_code == 405  # a write is a POST

    response = client.post("/notifications/read/", follow=True)
    assert response.redirect_chain == [("/notifications/", 302)]
    assert "2 notifications marked as read." in response.content.decode()
    assert response.context["nav_unread"] == 0
    assert not Notification.objects.filter(user=demo.user("supervisor"), read_at__isnull=True)
    assert 'class="notification unread"' not in response.content.decode()


def test_inbox_is_paginated(demo, page_client):
    supervisor = demo.user("supervisor")
    Notification.objects.bulk_create(
        Notification(
            user=supervisor,
            kind="breach",
            message=f"第{i}条",
            created_at=FRIDAY_10 + dt.timedelta(minutes=i),
        )
        for i in range(55)
    )
    client = page_client("supervisor")
    first = client.get("/notifications/")
    assert len(first.context["notifications"]) == 50
    assert first.context["notifications"][0].message == "第54条"
    second = client.get("/notifications/?page=2")
    assert [n.message for n in second.context["notifications"]][-1] == "第0条"


def test_supervisor_menu_has_the_breach_board(page_client):
    menu = [page.url_name for page in page_client("supervisor").get("/cases/").context["nav_pages"]]
    assert menu[0] == "breach-board" and menu[-1] == "case-list"


def test_anonymous_visitor_is_sent_to_login(page_client):
    for url in ["/breaches/", "/notifications/"]:
        response = page_client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ---------------------------------------------------------------- the case page


def test_case_page_shows_the_running_clock_and_its_time_left(demo, page_client):
    case = classified(demo)
    with time_machine.travel(at(2026, 11, 23, 7, 0), tick=False):
        response = page_client("unitmember").get(f"/cases/{case.reference}/")
    (respond,) = response.context["deadlines"]
    assert (respond.kind, respond.state, respond.standing) == ("respond", "running", "left")
    body = text(response)
    assert 'data-clock="respond" data-state="running" data-standing="left"' in body
    assert "2026-11-23 10:00" in body  # due, Beijing time
    assert "3 hours left" in body


def test_case_page_shows_the_missed_deadline_and_the_whistle(demo, page_client):
    case = classified(demo)
    sweep_at(MONDAY_1130)
    client = page_client("dispatcher")
    response = client.get(f"/cases/{case.reference}/")
    (respond,) = response.context["deadlines"]
    assert (respond.state, respond.standing) == ("breached", "missed")
    (breach,) = response.context["breaches"]
    assert breach.kind == "respond" and breach.acknowledged_at is None
    body = response.content.decode()
    assert f'data-breach="{breach.pk}" data-clock="respond" data-acknowledged="no"' in body
    assert "Not acknowledged yet" in body

    whistle = response.context["timeline"][-1]
    assert (whistle.transition, whistle.label, whistle.who) == (
        "whistle",
        "Raised to the street",
        "System",
    )
    assert ("Was due", "2026-11-23 10:00") in [(str(k), v) for k, v in whistle.details]

    page_client("supervisor").post(f"/breaches/{breach.pk}/acknowledge/", {"comment": "ok"})
    body = client.get(f"/cases/{case.reference}/").content.decode()
    assert 'data-acknowledged="yes"' in body


def test_case_page_shows_a_late_accept_and_the_fresh_resolve_clock(demo, page_client):
    case = classified(demo)
    with time_machine.travel(at(2026, 11, 23, 12, 0), tick=False):  # two hours late, unswept
        case = case_move(case, (demo.user("unitmember"), "accept", {}))
        response = page_client("unitmember").get(f"/cases/{case.reference}/")
    standings = [(d.kind, d.standing) for d in response.context["deadlines"]]
    assert standings == [("respond", "late"), ("resolve", "left")]
    body = text(response)
    assert "Stopped 2 hours after the deadline" in body
    assert "2026-11-30 12:00" in body  # resolve: seven days


def test_case_without_clocks_says_so(demo, page_client):
    case = case_file(demo.user("gridworker"))
    response = page_client("gridworker").get(f"/cases/{case.reference}/")
    assert response.context["deadlines"] == [] and response.context["breaches"] == []
    assert "No deadlines yet" in response.content.decode()


# ---------------------------------------------------------------- suspend and resume


def test_unit_suspends_and_resumes_from_the_case_page(demo, page_client):
    with time_machine.travel(FRIDAY_10, tick=False):
        case = demo.case_in("handling")
    client = page_client("unitmember")
    page = client.get(f"/cases/{case.reference}/")
    forms = {form.transition for form in page.context["transition_forms"]}
    assert forms == {"resolve", "suspend"}

    with time_machine.travel(at(2026, 11, 21, 9, 0), tick=False):
        response = client.post(
            f"/cases/{case.reference}/transitions/suspend/",
            {"version": case.version, "reason": "等居民回家开门"},
            follow=True,
        )
    assert response.redirect_chain == [(f"/cases/{case.reference}/", 302)]
    case.refresh_from_db()
    assert case.is_suspended and case.state == "handling"
    assert {f.transition for f in response.context["transition_forms"]} == {"resolve", "resume"}
    (_respond, resolve) = response.context["deadlines"]
    assert (resolve.state, resolve.standing) == ("paused", "paused")
    body = response.content.decode()
    assert "Suspended: case" in body and "data-suspended" in body
    assert "等居民回家开门" in body  # the reason, in the timeline

    with time_machine.travel(at(2026, 11, 21, 12, 30), tick=False):
        response = client.post(
            f"/cases/{case.reference}/transitions/resume/", {"version": case.version}, follow=True
        )
    case.refresh_from_db()
    assert not case.is_suspended
    (_respond, resolve) = response.context["deadlines"]
    assert resolve.state == "running"
    assert resolve.paused_for.replace("\xa0", " ") == "3 hours, 30 minutes"
    timer = SlaTimer.objects.get(case=case, kind="resolve")
    assert timer.due_at == at(2026, 11, 27, 13, 30)  # seven days, plus the pause
    labels = [(e.transition, str(e.label)) for e in response.context["timeline"]][-2:]
    assert labels == [("suspend", "Suspended"), ("resume", "Resumed")]


def test_suspending_without_a_reason_shows_the_error_on_its_form(demo, page_client):
    case = demo.case_in("handling")
    response = page_client("unitmember").post(
        f"/cases/{case.reference}/transitions/suspend/", {"version": case.version, "reason": ""}
    )
    assert response.status_code == 400
    (form,) = [f for f in response.context["transition_forms"] if f.transition == "suspend"]
    assert set(form.errors) == {"reason"}
    case.refresh_from_db()
    assert not case.is_suspended


def test_others_see_no_suspend_form(demo, page_client):
    case = demo.case_in("handling")
    for username in ["dispatcher", "gridworker", "supervisor"]:
        forms = page_client(username).get(f"/cases/{case.reference}/").context["transition_forms"]
        assert not {"suspend", "resume"} & {f.transition for f in forms}, username


# ---------------------------------------------------------------- admin


def test_admin_edits_policies_and_calendar_and_shows_the_rest_read_only(demo, page_client):
    classified(demo)
    sweep_at(MONDAY_1130)
    client = page_client("admin")
    for url in [
        "/admin/casework/slapolicy/",
        "/admin/casework/slapolicy/add/",
        "/admin/casework/calendaroverride/add/",
        "/admin/casework/slatimer/",
        "/admin/casework/slatimer/?state__exact=incident",
        "/admin/casework/slabreach/",
        "/admin/casework/notification/",
    ]:
        assert client.get(url).status_code == 200, url
    for model in ["slatimer", "slabreach", "notification"]:
        assert client.get(f"/admin/casework/{model}/add/").status_code == 403, model

    response = client.post(
        "/admin/casework/calendaroverride/add/",
        {"date": "2026-12-31", "is_workday": "", "note": "社区年终盘点"},
    )
    assert response.status_code == 302
    from casework.models import CalendarOverride

    assert CalendarOverride.objects.get(date="2026-12-31").is_workday is False


def test_a_policy_edited_in_the_admin_sets_the_next_clocks(demo, page_client):
    from casework.models import SlaPolicy

    policy = SlaPolicy.objects.get(kind="respond", category=None, urgency="", difficulty="")
    response = page_client("admin").post(
        f"/admin/casework/slapolicy/{policy.pk}/change/",
        {
            "kind": "respond",
            "category": "",
            "urgency": "",
            "difficulty": "",
            "amount": 2,
            "unit": "working_days",
        },
    )
    assert response.status_code == 302
    case = classified(demo)
    assert SlaTimer.objects.get(case=case).due_at == at(2026, 11, 24, 10, 0)  # Tuesday


def test_admin_retry_revives_an_incident_timer(demo, page_client, settings, monkeypatch):
    from casework.services import sla_sweep as sweep_module

    settings.SLA_MAX_ATTEMPTS = 1

    def broken(**kwargs):
        raise RuntimeError("mail server down")

    with monkeypatch.context() as patch:
        patch.setitem(sweep_module.BREACH_ACTIONS, "respond", broken)
        case = classified(demo)
        sweep_at(MONDAY_1130)
    timer = SlaTimer.objects.get(case=case)
    assert (timer.state, timer.attempts, timer.next_check_at) == ("incident", 1, None)

    client = page_client("admin")
    assert client.get(f"/admin/casework/slatimer/{timer.pk}/change/").status_code == 200
    listing = client.get("/admin/casework/slatimer/?state__exact=incident")
    assert [t.pk for t in listing.context["cl"].result_list] == [timer.pk]
    with time_machine.travel(at(2026, 11, 23, 15, 0), tick=False):
        response = client.post(
            "/admin/casework/slatimer/",
            {"action": "retry", "_selected_action": [timer.pk], "index": 0},
            follow=True,
        )
    assert "1 timer handed back to the sweep." in response.content.decode()
    timer.refresh_from_db()
    assert (timer.state, timer.attempts) == ("running", 0)
    assert timer.next_check_at == at(2026, 11, 23, 15, 0)

    # The sweep now fires it as it should have: one breach, one whistle.
    assert sweep_at(at(2026, 11, 23, 15, 0)) == {"breached": 1}
    assert SlaBreach.objects.filter(case=case).count() == 1
    assert case.events.filter(transition="whistle").count() == 1


def test_retry_leaves_a_timer_that_is_not_an_incident_alone(demo, page_client):
    case = classified(demo)
    timer = SlaTimer.objects.get(case=case)
    before = (timer.state, timer.next_check_at)
    response = page_client("admin").post(
        "/admin/casework/slatimer/",
        {"action": "retry", "_selected_action": [timer.pk], "index": 0},
        follow=True,
    )
    assert "1 left as they were" in response.content.decode()
    timer.refresh_from_db()
    assert (timer.state, timer.next_check_at) == before


# ---------------------------------------------------------------- on a phone


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_board_and_inbox_fit_a_phone(live_server, street, phone):
    from playwright.sync_api import expect

    demo = Demo()
    for unit in ["property-1", "dept-urban"]:
        classified(demo, unit=unit)
    sweep_at(MONDAY_1130)

    page = phone()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("a.inbox .count")).to_contain_text("2")

    page.click('nav a[href="/breaches/"]')
    expect(page.locator("tr[data-breach]")).to_have_count(2)
    assert fits_the_screen(page)
    row = page.locator('tr[data-breach][data-acknowledged="no"]').first
    row.locator("summary").click()
    row.locator("textarea").fill("已督办")
    assert fits_the_screen(page)
    row.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator('tr[data-acknowledged="yes"]')).to_have_count(1)
    assert fits_the_screen(page)

    page.click("a.inbox")
    expect(page.locator(".notification.unread")).to_have_count(2)
    assert fits_the_screen(page)
    page.click('[data-action="mark-read"]')
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("a.inbox .count")).to_have_count(0)
    assert re.search(r"/notifications/$", page.url)
