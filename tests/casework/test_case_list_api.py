"""GET /api/v1/cases/: cursor pages, filters, and a query count that does not grow with the
page (docs/api.md#cases)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import case_file, case_move


@pytest.fixture
def many_cases(demo):
    """60 cases in C1: a third assigned to units, some rejected as duplicates."""
    gridworker, dispatcher = demo.user("gridworker"), demo.user("dispatcher")
    original = case_file(gridworker)
    cases = [original]
    for index in range(59):
        case = case_file(gridworker, title=f"案件 {index}")
        if index % 3 == 0:
            unit = "property-1" if index % 2 else "dept-urban"
            case = case_move(case, (dispatcher, "classify", demo.classify_payload(unit)))
        elif index % 5 == 0:
            case = case_move(
                case, (dispatcher, "reject", {"reason": "重复", "duplicate_of": original.reference})
            )
        cases.append(case)
    return cases


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


@pytest.mark.parametrize("username", ["dispatcher", "supervisor", "gridworker", "unitmember"])
def test_case_list_runs_the_same_queries_for_2_or_50_cases(many_cases, api, username):
    client = api(username)

    small, small_page = _count_queries(client, "/api/v1/cases/?page_size=2")
    large, large_page = _count_queries(client, "/api/v1/cases/?page_size=50")

    assert len(small_page["results"]) == 2
    assert len(large_page["results"]) > 2
    assert small == large


def test_case_list_query_count_is_pinned(many_cases, api, django_assert_num_queries):
    client = api("dispatcher")
    # token + user, the dispatcher's memberships, the page of cases, their open timers.
    with django_assert_num_queries(4):
        response = client.get("/api/v1/cases/?page_size=50")
    assert len(response.json()["results"]) == 50


def test_cursor_pages_walk_every_case_once_newest_first(many_cases, api):
    client = api("dispatcher")
    seen, url = [], "/api/v1/cases/?page_size=7"
    while url:
        page = client.get(url).json()
        seen += [case["reference"] for case in page["results"]]
        url = page["next"]

    assert seen == [case.reference for case in reversed(many_cases)]


def test_case_list_filters_by_state_unit_and_grid(many_cases, api, demo):
    client = api("dispatcher")

    def references(query):
        return {case["reference"] for case in client.get(f"/api/v1/cases/?{query}").json()["results"]}

    classified = {case.reference for case in many_cases if case.state == "classified"}
    rejected = {case.reference for case in many_cases if case.state == "rejected"}
    assert references("state=classified") == classified
    assert references("state=classified&state=rejected") == classified | rejected
    assert references(f"unit={demo.unit('property-1').pk}") == {
        case.reference for case in many_cases if case.unit_id == demo.unit("property-1").pk
    }
    assert references(f"grid={demo.grid('C1-G2').pk}") == set()


def test_bad_filter_value_is_400_in_the_error_shape(demo, api):
    response = api("dispatcher").get("/api/v1/cases/?state=sleeping")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "state" in response.json()["fields"]


def test_events_endpoint_runs_the_same_queries_however_long_the_log(demo, api):
    short = demo.case_in("classified")
    long = demo.case_in("closed")
    client = api("dispatcher")

    few, few_events = _count_queries(client, f"/api/v1/cases/{short.reference}/events/")
    many, many_events = _count_queries(client, f"/api/v1/cases/{long.reference}/events/")

    assert (len(few_events), len(many_events)) == (2, 6)
    assert few == many
