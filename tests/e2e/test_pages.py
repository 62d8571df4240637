"""The staff pages through Django's test client: who sees which page, what the case page
offers, how domain errors look, and that people's words are always escaped."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.actors import actor_for_user
from casework.models import Case, CaseEvent, Category, Grid, Unit
from casework.services.cases import case_collect, case_transition
from workflows.case_states import Channel, Outcome, State

from .conftest import PASSWORD, PHONE, PHONE_MASKED

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def actor(username):
    return actor_for_user(get_user_model().objects.get(username=username))


def case_file(username="gridworker", grid="C1-G1", **fields) -> Case:
    data = {
        "title": "3号楼垃圾桶满溢",
        "description": "东侧垃圾桶两天没有清运。",
        "grid": Grid.objects.get(code=grid).pk,
        "channel": Channel.HALL,
        "reporter_name": "李先生",
        "reporter_phone": PHONE,
        **fields,
    }
    return case_collect(actor=actor(username), data=data)


def case_run(case, username, name, **payload) -> Case:
    return case_transition(
        actor=actor(username), case_id=case.pk, name=name, payload=payload, version=case.version
    )


def classify_payload(unit="property-1"):
    return {
        "category": Category.objects.get(code="env-garbage").pk,
        "urgency": "normal",
        "difficulty": "small",
        "unit": Unit.objects.get(code=unit).pk,
    }


def case_snapshot(case) -> dict:
    case = Case.objects.get(pk=case.pk)
    return {
        "row": {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields},
        "events": list(case.events.values_list("seq", "transition")),
    }


def forms_on(response) -> set[str]:
    return {form.transition for form in response.context["transition_forms"]}


pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- login, home, roles


def test_login_page_is_chinese_by_default(street, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(page_client):
    response = page_client().get("/grid/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/grid/"


def test_logging_in_with_the_form_lands_on_the_role_page(page_client):
    response = page_client().post(
        "/accounts/login/", {"username": "dispatcher", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/dispatch/"


def test_logout_is_a_post(page_client):
    client = page_client("gridworker")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/grid/").status_code == 302  # logged out: back to login


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("gridworker", "/grid/"),
        ("dispatcher", "/dispatch/"),
        ("unitmember", "/inbox/"),
        ("supervisor", "/breaches/"),
        ("party_committee", "/consultations/"),
    ],
)
def test_home_sends_each_role_to_their_page(page_client, username, page):
    response = page_client(username).get("/")
    assert response.status_code == 302
    assert response["Location"] == page


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("gridworker", "/grid/"),
        ("gridworker", "/cases/new/"),
        ("gridworker", "/cases/"),
        ("dispatcher", "/dispatch/"),
        ("dispatcher", "/cases/new/"),
        ("unitmember", "/inbox/"),
        ("supervisor", "/cases/"),
        ("admin", "/dispatch/"),
    ],
)
def test_each_page_renders_for_its_role(page_client, username, page):
    case_file()
    response = page_client(username).get(page)
    assert response.status_code == 200
    assert b"app.css" in response.content


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("gridworker", "/dispatch/"),
        ("gridworker", "/inbox/"),
        ("dispatcher", "/grid/"),
        ("dispatcher", "/inbox/"),
        ("unitmember", "/grid/"),
        ("unitmember", "/cases/new/"),
        ("supervisor", "/dispatch/"),
        ("party_committee", "/cases/new/"),
        ("party_committee", "/cases/overdue/"),
    ],
)
def test_a_page_for_another_role_is_forbidden(page_client, username, page):
    response = page_client(username).get(page)
    assert response.status_code == 403
    assert b"This page is not for your role." in response.content


def test_menu_shows_only_the_pages_of_the_role(page_client):
    response = page_client("unitmember").get("/inbox/")
    menu = [page.url_name for page in response.context["nav_pages"]]
    assert menu == ["unit-inbox", "evaluation-list", "case-overdue", "case-list"]


def test_language_can_be_switched_to_english(street, client):
    client.force_login(get_user_model().objects.get(username="gridworker"))
    assert "我的网格" in client.get("/grid/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/grid/"})
    assert response["Location"] == "/grid/"
    assert "My grid" in client.get("/grid/").content.decode()


# ---------------------------------------------------------------- lists


def test_my_grid_lists_the_grid_workers_cases_newest_first(page_client):
    first = case_file(title="第一件")
    second = case_file(title="第二件")
    case_file(username="outsider", grid="C2-G1", title="别的社区")
    case_file(username="dispatcher", grid="C1-G2", title="别的网格")

    response = page_client("gridworker").get("/grid/")
    assert [case.reference for case in response.context["cases"]] == [
        second.reference,
        first.reference,
    ]
    assert 'data-state="collected"' in response.content.decode()


def test_dispatch_queue_holds_collected_cases_of_the_community_oldest_first(page_client):
    waiting = case_file(title="待分类")
    returned = case_run(
        case_run(case_file(title="被退回"), "dispatcher", "classify", **classify_payload()),
        "unitmember",
        "return",
        reason="不属于物业职责。",
    )
    case_run(case_file(title="已分派"), "dispatcher", "classify", **classify_payload())
    case_file(username="outsider", grid="C2-G1", title="别的社区")

    response = page_client("dispatcher").get("/dispatch/")
    assert [case.reference for case in response.context["cases"]] == [
        waiting.reference,
        returned.reference,
    ]
    assert f'href="/cases/{waiting.reference}/"' in response.content.decode()


def test_unit_inbox_holds_the_units_assigned_and_handling_cases(page_client):
    assigned = case_run(case_file(), "dispatcher", "classify", **classify_payload())
    handling = case_run(case_file(), "dispatcher", "classify", **classify_payload())
    handling = case_run(handling, "unitmember", "accept")
    case_run(case_file(), "dispatcher", "classify", **classify_payload(unit="dept-urban"))
    case_file()

    response = page_client("unitmember").get("/inbox/")
    assert [case.reference for case in response.context["cases"]] == [
        assigned.reference,
        handling.reference,
    ]


def test_list_pages_take_the_same_number_of_queries_for_many_cases(
    page_client, django_assert_num_queries
):
    client = page_client("gridworker")
    case_file()
    with CaptureQueriesContext(connection) as one:
        client.get("/grid/")
    for _ in range(5):
        case_file()
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/grid/")


# ---------------------------------------------------------------- intake


def test_intake_form_offers_own_grids_and_the_page_channels_only(page_client):
    form = page_client("gridworker").get("/cases/new/").context["form"]
    assert [grid.code for grid in form.fields["grid"].queryset] == ["C1-G1"]
    channels = {value for value, _label in form.fields["channel"].choices}
    # Residents file `online` and `open311` themselves; `api` is the API's.
    assert channels == {"hall", "point", "door_visit", "hotline", "snapshot"}

    dispatcher_form = page_client("dispatcher").get("/cases/new/").context["form"]
    assert {grid.code for grid in dispatcher_form.fields["grid"].queryset} == {
        "C1-G1",
        "C1-G2",
        "C1-G3",
    }


def test_grid_worker_files_a_case_from_the_form(page_client):
    client = page_client("gridworker")
    response = client.post(
        "/cases/new/",
        {
            "title": "北门路灯不亮",
            "description": "三盏路灯一周不亮。",
            "grid": Grid.objects.get(code="C1-G1").pk,
            "channel": "door_visit",
            "address": "北门",
            "reporter_name": "王女士",
            "reporter_phone": PHONE,
            "category": "",
            "urgency": "",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert response.redirect_chain == [(f"/cases/{case.reference}/", 302)]
    assert f"Case {case.reference} has been filed." in response.content.decode()
    assert (case.state, case.channel, case.urgency) == ("collected", "door_visit", "normal")
    assert case.category is None
    assert case.created_by.username == "gridworker"
    assert list(case.events.values_list("transition", flat=True)) == ["collect"]


def test_intake_with_missing_fields_shows_the_errors_and_files_nothing(page_client):
    response = page_client("gridworker").post(
        "/cases/new/",
        {
            "title": "",
            "description": SCRIPT,
            "grid": Grid.objects.get(code="C1-G1").pk,
            "channel": "hall",
            "reporter_phone": "abc",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"title", "reporter_phone"}
    body = response.content.decode()
    assert "Some fields are not valid." in body
    assert "Enter a phone number of digits, spaces or dashes." in body
    assert SCRIPT not in body and SCRIPT_ESCAPED in body  # the typed text is kept, escaped
    assert not Case.objects.exists()


def test_filing_for_a_grid_outside_ones_own_is_forbidden(page_client):
    response = page_client("gridworker").post(
        "/cases/new/",
        {
            "title": "t",
            "description": "d",
            "grid": Grid.objects.get(code="C2-G1").pk,
            "channel": "hall",
        },
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


# ---------------------------------------------------------------- the case page


def test_outsider_gets_404_on_a_case_of_another_community(page_client):
    case = case_file()
    client = page_client("outsider")
    assert client.get(f"/cases/{case.reference}/").status_code == 404
    response = client.post(
        f"/cases/{case.reference}/transitions/resolve_on_spot/",
        {"version": case.version, "result": "x"},
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).state == State.COLLECTED


def test_unknown_case_is_404(page_client):
    assert page_client("dispatcher").get("/cases/SS-209901-000001/").status_code == 404


def test_phone_is_masked_except_for_the_communitys_dispatchers(page_client):
    case = case_file()
    for username in ["gridworker", "supervisor", "party_committee"]:
        body = page_client(username).get(f"/cases/{case.reference}/").content.decode()
        assert PHONE_MASKED in body and PHONE not in body, username
    dispatch_page = page_client("dispatcher").get(f"/cases/{case.reference}/").content.decode()
    assert PHONE in dispatch_page


@pytest.mark.parametrize(
    ("state", "username", "expected"),
    [
        ("collected", "gridworker", {"resolve_on_spot"}),
        ("collected", "dispatcher", {"classify", "summon", "resolve_on_spot", "reject"}),
        ("collected", "supervisor", {"summon"}),  # the street's whistle (docs/summons.md)
        ("classified", "gridworker", set()),
        ("classified", "unitmember", {"accept", "return"}),
        ("classified", "dispatcher", {"summon", "reject", "escalate"}),
        ("handling", "supervisor", {"escalate"}),
        ("handling", "unitmember", {"resolve", "suspend"}),
        ("evaluating", "gridworker", {"rate"}),
        # The community office calls residents back (回访); close waits for the rating.
        ("evaluating", "dispatcher", {"rate"}),
        ("evaluating", "supervisor", {"reopen"}),
    ],
)
def test_case_page_offers_the_transitions_the_person_can_run_now(
    page_client, state, username, expected
):
    case = case_file()
    steps = {
        "collected": [],
        "classified": [("dispatcher", "classify", classify_payload())],
        "handling": [("dispatcher", "classify", classify_payload()), ("unitmember", "accept", {})],
        "evaluating": [
            ("dispatcher", "classify", classify_payload()),
            ("unitmember", "accept", {}),
            ("unitmember", "resolve", {"result": "已清运。", "outcome": Outcome.FIXED}),
        ],
    }[state]
    for user, name, payload in steps:
        case = case_run(case, user, name, **payload)
    response = page_client(username).get(f"/cases/{case.reference}/")
    assert response.status_code == 200
    assert forms_on(response) == expected
    for name in expected:
        assert f'action="/cases/{case.reference}/transitions/{name}/"' in response.content.decode()


def test_classify_form_offers_only_units_serving_the_community(page_client):
    case = case_file()
    response = page_client("dispatcher").get(f"/cases/{case.reference}/")
    (form,) = [f for f in response.context["transition_forms"] if f.transition == "classify"]
    codes = {unit.code for unit in form.fields["unit"].queryset}
    assert "property-1" in codes and "dept-urban" in codes
    assert "property-2" not in codes and "owners-2" not in codes


def test_transition_from_the_page_records_the_event_and_returns_to_the_case(page_client):
    case = case_file()
    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/classify/",
        {"version": case.version, **classify_payload()},
        follow=True,
    )
    assert response.redirect_chain == [(f"/cases/{case.reference}/", 302)]
    case.refresh_from_db()
    assert case.state == State.CLASSIFIED and case.unit.code == "property-1"
    body = response.content.decode()
    assert f"case {case.reference} is now “Assigned”" in body
    assert [e.transition for e in response.context["timeline"]] == ["collect", "classify"]
    assert "和平物业服务有限公司" in body  # the unit's name in the timeline, not its id


def test_grid_worker_records_a_callback_and_dispatcher_closes_from_the_page(page_client):
    case = case_file()
    for user, name, payload in [
        ("dispatcher", "classify", classify_payload()),
        ("unitmember", "accept", {}),
        ("unitmember", "resolve", {"result": "已清运。", "outcome": Outcome.FIXED}),
    ]:
        case = case_run(case, user, name, **payload)
    grid = page_client("gridworker")
    page = grid.get(f"/cases/{case.reference}/").content.decode()
    assert 'type="radio" name="satisfaction" value="satisfied"' in page
    assert 'type="radio" name="channel" value="visit"' in page
    response = grid.post(
        f"/cases/{case.reference}/transitions/rate/",
        {"version": case.version, "satisfaction": "basically_satisfied",
         "comment": "入户回访，居民说还行", "channel": "visit", "called_at": ""},
    )
    assert response.status_code == 302
    dispatcher = page_client("dispatcher")
    assert forms_on(dispatcher.get(f"/cases/{case.reference}/")) == {"close"}
    response = dispatcher.post(
        f"/cases/{case.reference}/transitions/close/", {"version": case.version + 1}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.satisfaction) == (State.CLOSED, "basically_satisfied")
    assert case.rating_source == "callback"


def test_a_stale_version_shows_the_conflict_and_changes_nothing(page_client):
    case = case_file()
    stale = case.version
    case = case_run(case, "dispatcher", "classify", **classify_payload())  # someone else acted
    before = case_snapshot(case)

    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/reject/", {"version": stale, "reason": "重复"}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "The case was changed by someone else" in body
    assert case_snapshot(case) == before
    # The page now shows the case as it is, with forms carrying the current version.
    assert response.context["case"].state == State.CLASSIFIED
    forms = response.context["transition_forms"]
    assert forms and all(form["version"].value() == case.version for form in forms)


def test_a_transition_not_possible_in_this_state_is_a_conflict(page_client):
    case = case_run(case_file(), "dispatcher", "classify", **classify_payload())
    before = case_snapshot(case)
    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/classify/",
        {"version": case.version, **classify_payload()},
    )
    assert response.status_code == 409
    assert "You cannot classify a case that is Assigned" in response.content.decode()
    assert case_snapshot(case) == before


def test_a_transition_the_person_may_not_run_is_forbidden(page_client):
    case = case_file()
    before = case_snapshot(case)
    response = page_client("gridworker").post(
        f"/cases/{case.reference}/transitions/classify/",
        {"version": case.version, **classify_payload()},
    )
    assert response.status_code == 403
    assert "You may not classify this case." in response.content.decode()
    assert case_snapshot(case) == before


def test_invalid_transition_input_is_shown_on_its_form(page_client):
    case = case_file()
    before = case_snapshot(case)
    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/reject/",
        {"version": case.version, "reason": "", "duplicate_of": "SS-209901-999999"},
    )
    assert response.status_code == 400
    (form,) = [f for f in response.context["transition_forms"] if f.transition == "reject"]
    assert set(form.errors) == {"reason", "duplicate_of"}
    body = response.content.decode()
    assert "No case with this reference in this community." in body
    assert 'value="SS-209901-999999"' in body  # what was typed is kept
    assert case_snapshot(case) == before


def test_missing_version_is_invalid(page_client):
    case = case_file()
    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/reject/", {"reason": "x"}
    )
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).state == State.COLLECTED


def test_a_version_that_is_not_a_number_is_invalid(page_client):
    case = case_file()
    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/reject/", {"version": "abc", "reason": "x"}
    )
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).state == State.COLLECTED


def test_unknown_transition_is_404(page_client):
    case = case_file()
    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/teleport/", {"version": case.version}
    )
    assert response.status_code == 404


def test_unit_returning_a_case_goes_back_to_its_inbox(page_client):
    case = case_run(case_file(), "dispatcher", "classify", **classify_payload())
    response = page_client("unitmember").post(
        f"/cases/{case.reference}/transitions/return/",
        {"version": case.version, "reason": "不属于物业职责。"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert Case.objects.get(pk=case.pk).state == State.COLLECTED


def test_timeline_shows_who_when_in_shanghai_time_and_the_details(page_client):
    with time_machine.travel(dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC), tick=False):
        case = case_file()
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 5, tzinfo=dt.UTC), tick=False):
        case = case_run(case, "dispatcher", "classify", **classify_payload())
        case = case_run(case, "unitmember", "return", reason="不属于物业职责，建议转城管。")

    response = page_client("dispatcher").get(f"/cases/{case.reference}/")
    body = response.content.decode()
    entries = response.context["timeline"]
    # People by their 姓名, family name first.
    assert [(e.transition, e.who) for e in entries] == [
        ("collect", "王丽"),
        ("classify", "张强"),
        ("return", "刘伟"),
    ]
    assert re.search(r'<a class="who" href="/notifications/preferences/"[^>]*>张强</a>', body)
    assert "2026-03-01 09:30" in body  # 01:30 UTC
    assert "2026-03-02 07:05" in body  # 23:05 UTC, the next day in Shanghai
    assert "不属于物业职责，建议转城管。" in body
    assert "Returned to the dispatcher" in body


# ---------------------------------------------------------------- escaping


def test_peoples_words_are_escaped_on_every_page(page_client):
    # A name the texts do not contain: the reporter's name in them is masked for most readers.
    case = case_file(title=SCRIPT, description=SCRIPT, address=SCRIPT, reporter_name=f"李{SCRIPT}")
    pages = [
        ("gridworker", f"/cases/{case.reference}/"),
        ("gridworker", "/grid/"),
        ("dispatcher", "/dispatch/"),
        ("dispatcher", f"/cases/{case.reference}/"),
        ("supervisor", "/cases/"),
    ]
    for username, url in pages:
        body = page_client(username).get(url).content.decode()
        assert SCRIPT not in body, url
        assert SCRIPT_ESCAPED in body, url


def test_reasons_in_the_timeline_are_escaped(page_client):
    case = case_run(case_file(), "dispatcher", "classify", **classify_payload())
    case = case_run(case, "unitmember", "return", reason=SCRIPT)
    body = page_client("dispatcher").get(f"/cases/{case.reference}/").content.decode()
    assert SCRIPT not in body
    assert SCRIPT_ESCAPED in body


# ---------------------------------------------------------------- admin


def test_admin_manages_reference_data(page_client):
    client = page_client("admin")
    unit = Unit.objects.get(code="property-1")
    for url in [
        "/admin/casework/street/",
        "/admin/casework/community/",
        "/admin/casework/grid/",
        "/admin/casework/unit/",
        "/admin/casework/category/",
        "/admin/casework/membership/",
        f"/admin/casework/unit/{unit.pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url
    assert b"selectfilter" in client.get(f"/admin/casework/unit/{unit.pk}/change/").content


def test_admin_shows_cases_and_events_read_only(page_client):
    case = case_run(case_file(), "dispatcher", "classify", **classify_payload())
    client = page_client("admin")
    before = case_snapshot(case)

    assert client.get("/admin/casework/case/").status_code == 200
    change = client.get(f"/admin/casework/case/{case.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert client.get("/admin/casework/case/add/").status_code == 403
    change_url = f"/admin/casework/case/{case.pk}/change/"
    assert client.post(change_url, {"title": "changed"}).status_code == 403
    delete_url = f"/admin/casework/case/{case.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    event = CaseEvent.objects.filter(case=case).first()
    assert client.get(f"/admin/casework/caseevent/{event.pk}/change/").status_code == 200
    event_delete_url = f"/admin/casework/caseevent/{event.pk}/delete/"
    assert client.post(event_delete_url, {"post": "yes"}).status_code == 403
    assert case_snapshot(case) == before
