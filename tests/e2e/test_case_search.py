"""Finding cases on the list pages (and the API): search by reference, words or a phone's
last 4 digits; filters; order; the overdue list; paging that keeps the search; scope."""

import re
from datetime import datetime

import pytest
import time_machine

from casework.models import Case
from tests.conftest import JsonClient
from tests.factories import Demo, case_file, case_move
from workflows.working_time import SHANGHAI

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    return re.findall(r'class="case-card" data-reference="([^"]+)"', response.content.decode())


@pytest.fixture
def cases(street):
    demo = Demo()
    gw = demo.user("gridworker")
    lamp = case_file(gw, title="北门路灯不亮", description="三盏路灯一周不亮。", reporter_phone="13912340001")
    bins = case_file(
        gw, title="垃圾桶满溢", description="东侧垃圾桶两天没有清运。", address="3号楼东侧",
        reporter_phone="13755550000",
    )
    leak = case_file(gw, title="楼上漏水", description="厨房顶棚渗水，北门附近。", reporter_phone="13812345678")
    case_move(bins, (demo.user("dispatcher"), "classify", demo.classify_payload()))
    other = case_file(demo.user("outsider"), title="北门路灯（幸福社区）", grid=demo.grid("C2-G1").pk)
    return {"lamp": lamp, "bins": bins, "leak": leak, "other": other, "demo": demo}


def test_search_by_words_reference_and_a_phones_last_four_digits(cases, page_client):
    client = page_client("dispatcher")
    lamp, bins, leak = cases["lamp"], cases["bins"], cases["leak"]

    assert sorted(refs(client.get("/cases/", {"q": "北门"}))) == sorted([lamp.reference, leak.reference])
    assert refs(client.get("/cases/", {"q": "北门 渗水"})) == [leak.reference]  # every word
    assert refs(client.get("/cases/", {"q": "3号楼东侧"})) == [bins.reference]  # the address
    assert refs(client.get("/cases/", {"q": lamp.reference})) == [lamp.reference]
    assert refs(client.get("/cases/", {"q": lamp.reference[-6:]})) == [lamp.reference]
    assert refs(client.get("/cases/", {"q": "0001"})) == [lamp.reference]
    assert refs(client.get("/cases/", {"q": "５６７８"})) == [leak.reference]  # full-width digits


def test_a_whole_phone_number_is_refused_so_masked_numbers_cannot_be_guessed(cases, page_client):
    for q in ("13812345678", "138 1234 5678", "1381234"):
        response = page_client("gridworker").get("/cases/", {"q": q})
        assert response.status_code == 400
        assert refs(response) == []
        assert "Search a phone number by its last 4 digits." in response.content.decode()


def test_filters_narrow_and_bad_ones_answer_400(cases, page_client):
    client = page_client("dispatcher")
    demo = cases["demo"]
    assert refs(client.get("/cases/", {"state": "classified"})) == [cases["bins"].reference]
    assert refs(client.get("/cases/", {"unit": demo.unit("property-1").pk})) == [cases["bins"].reference]
    assert len(refs(client.get("/cases/", {"grid": demo.grid("C1-G1").pk}))) == 3
    assert refs(client.get("/cases/", {"created_from": "2026-12-04"})) == []
    assert len(refs(client.get("/cases/", {"created_from": "2026-12-03", "created_to": "2026-12-03"}))) == 3
    for bad in ({"state": "nonsense"}, {"grid": "abc"}, {"created_from": "9999-12-31"},
                {"created_to": "2026-13-01"}, {"sort": "sideways"}, {"q": "x" * 101}):
        response = client.get("/cases/", bad)
        assert response.status_code == 400, bad
        assert refs(response) == []


def test_order_and_paging_keep_the_search(cases, page_client, settings):
    client = page_client("dispatcher")
    newest = refs(client.get("/cases/"))
    assert refs(client.get("/cases/", {"sort": "oldest"})) == list(reversed(newest))
    gw = cases["demo"].user("gridworker")
    for n in range(50):
        case_file(gw, title=f"北门第{n}号")
    first = client.get("/cases/", {"q": "北门"})
    assert len(refs(first)) == 50
    assert "q=%E5%8C%97%E9%97%A8&amp;page=2" in first.content.decode()
    second = client.get("/cases/", {"q": "北门", "page": 2})
    assert len(refs(second)) == 2


def test_the_overdue_list_shows_owed_steps_past_their_deadline_nearest_first(cases, page_client):
    demo = cases["demo"]
    # bins was classified at the pinned time: the unit owes its response.
    assert refs(page_client("dispatcher").get("/cases/overdue/")) == []
    later = case_file(demo.user("gridworker"), title="后来的事项")
    case_move(later, (demo.user("dispatcher"), "classify", demo.classify_payload()))
    with time_machine.travel(datetime(2026, 12, 20, 10, tzinfo=SHANGHAI)):
        dispatcher = page_client("dispatcher")
        assert refs(dispatcher.get("/cases/overdue/")) == [cases["bins"].reference, later.reference]
        assert refs(page_client("unitmember").get("/cases/overdue/")) == [
            cases["bins"].reference, later.reference,
        ]
        # Another community's grid worker sees none of them.
        assert refs(page_client("outsider").get("/cases/overdue/")) == []
        not_overdue = refs(dispatcher.get("/cases/", {"overdue": "false"}))
        assert cases["bins"].reference not in not_overdue and cases["lamp"].reference in not_overdue
        # Accepting stops the clock: the step is no longer owed.
        case_move(Case.objects.get(pk=cases["bins"].pk), (demo.user("unitmember"), "accept", {}))
        assert refs(dispatcher.get("/cases/overdue/")) == [later.reference]
    assert "case-overdue" in [p.url_name for p in dispatcher.get("/cases/").context["nav_pages"]]


def test_search_never_reaches_beyond_the_readers_scope(cases, page_client):
    assert refs(page_client("outsider").get("/cases/", {"q": "北门"})) == [cases["other"].reference]
    assert refs(page_client("dispatcher").get("/cases/", {"q": cases["other"].reference})) == []


def signed_in(username: str) -> JsonClient:
    api = JsonClient()
    token = api.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return api


def test_the_api_searches_and_filters_alike(cases):
    api = signed_in("dispatcher")
    body = api.get("/api/v1/cases/", {"q": "北门 渗水"}).json()
    assert [row["reference"] for row in body["results"]] == [cases["leak"].reference]
    refused = api.get("/api/v1/cases/", {"q": "13812345678"})
    assert refused.status_code == 400 and "q" in refused.json()["fields"]
    with time_machine.travel(datetime(2026, 12, 20, 10, tzinfo=SHANGHAI)):
        body = signed_in("dispatcher").get("/api/v1/cases/", {"overdue": "true"}).json()
    assert [row["reference"] for row in body["results"]] == [cases["bins"].reference]
    assert signed_in("dispatcher").get(
        "/api/v1/cases/", {"created_from": "0001-01-01"}
    ).status_code == 400
