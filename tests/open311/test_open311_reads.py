"""GET /open311/v2/…: discovery, services, requests and their filters, in JSON and XML."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
import xmltodict
from django.utils import timezone

from casework.models import Case
from tests.factories import case_file, case_move
from workflows.case_states import Outcome

from .conftest import BASE, request_file

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()
    return [request["service_request_id"] for request in response.json()]


def test_discovery_names_the_endpoint_and_its_formats(doors, client):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]

    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    xml = xmltodict.parse(client.get(f"{BASE}/discovery.xml").content)["discovery"]
    assert xml["endpoints"]["endpoint"]["formats"]["format"] == ["text/xml", "application/json"]


def test_services_come_in_xml_with_the_spec_element_names(doors, client):
    response = client.get(f"{BASE}/services.xml")

    assert response.status_code == 200 and response["Content-Type"] == "text/xml; charset=utf-8"
    services = xmltodict.parse(response.content)["services"]["service"]
    json_services = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services] == [s["service_code"] for s in json_services]
    elevator = next(s for s in services if s["service_code"] == "prop-elevator")
    assert (elevator["metadata"], elevator["type"], elevator["group"]) == (
        "true",
        "realtime",
        "物业服务",
    )


def test_a_service_definition_comes_in_xml(doors, client):
    definition = xmltodict.parse(client.get(f"{BASE}/services/prop-elevator.xml").content)
    attributes = definition["service_definition"]["attributes"]["attribute"]

    assert [a["code"] for a in attributes] == ["building", "people_trapped"]
    assert [v["key"] for v in attributes[1]["values"]["value"]] == ["yes", "no"]


@pytest.mark.parametrize(
    "path",
    ["services/ufo.json", "requests/SS-209901-000001.json", "tokens/nope.json", "nothing.json"],
)
def test_unknown_things_are_404_in_the_spec_shape(doors, client, path):
    response = client.get(f"{BASE}/{path}")

    assert response.status_code == 404
    assert [set(e) for e in response.json()] == [{"code", "description"}]


def test_a_404_comes_as_xml_for_an_xml_url(doors, client):
    response = client.get(f"{BASE}/requests/SS-209901-000001.xml")

    assert response.status_code == 404
    assert xmltodict.parse(response.content)["errors"]["error"]["code"] == "404"


def test_cases_filed_by_staff_stay_internal(doors, client, api_key):
    internal = case_file(doors.user("gridworker"))  # filed in the hall
    public = request_file(client, api_key)["service_request_id"]

    assert ids(client.get(f"{BASE}/requests.json")) == [public]
    assert client.get(f"{BASE}/requests/{internal.reference}.json").status_code == 404


def test_a_request_shows_no_reporter_details(doors, client, api_key):
    reference = request_file(client, api_key)["service_request_id"]

    body = client.get(f"{BASE}/requests/{reference}.json").content.decode()
    xml = client.get(f"{BASE}/requests/{reference}.xml").content.decode()
    for private in ("13812345678", "李明", "li.ming@example.cn", "token"):
        assert private not in body and private not in xml


def test_status_follows_the_case(doors, client, api_key):
    references = [request_file(client, api_key)["service_request_id"] for _ in range(4)]
    cases = [Case.objects.get(reference=r) for r in references]
    case_move(cases[1], *doors.steps_to("evaluating"))
    case_move(cases[2], *doors.steps_to("closed"))
    case_move(cases[3], *doors.steps_to("rejected"))

    requests = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}

    assert [requests[r]["status"] for r in references] == ["open", "open", "closed", "closed"]
    assert (
        requests[references[1]]["status_notes"]
        == "Resolved: Fixed. Waiting for the resident's evaluation. What was done: 已清运。"
    )
    assert requests[references[2]]["status_notes"] == "Resolved: Fixed. What was done: 已清运。"
    assert requests[references[3]]["status_notes"] == "Not accepted."
    assert requests[references[2]]["agency_responsible"] == "和平物业服务有限公司"
    assert ids(client.get(f"{BASE}/requests.json?status=closed")) == [references[3], references[2]]
    assert set(ids(client.get(f"{BASE}/requests.json?status=open"))) == set(references[:2])
    assert len(ids(client.get(f"{BASE}/requests.json?status=open,closed"))) == 4


def test_expected_datetime_is_the_resolve_deadline(doors, client, api_key):
    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):  # a Friday
        reference = request_file(client, api_key)["service_request_id"]
        case = Case.objects.get(reference=reference)
        assert (
            client.get(f"{BASE}/requests/{reference}.json").json()[0]["expected_datetime"] is None
        )
        case_move(case, *doors.steps_to("handling"))
        request = client.get(f"{BASE}/requests/{reference}.json").json()[0]

    due = case.timers.get(kind="resolve").due_at
    assert request["expected_datetime"] == timezone.localtime(due).isoformat(timespec="seconds")
    assert request["requested_datetime"] == "2026-11-20T10:00:00+08:00"
    assert request["expected_datetime"].endswith("+08:00")


def test_service_request_id_takes_a_list_and_overrides_the_rest(doors, client, api_key):
    a, b, c = (request_file(client, api_key)["service_request_id"] for _ in range(3))

    assert set(
        ids(client.get(f"{BASE}/requests.json?service_request_id={a},{c}&status=closed"))
    ) == {a, c}


def test_service_code_filters(doors, client, api_key):
    garbage = request_file(client, api_key)["service_request_id"]
    lamp = request_file(client, api_key, service_code="mun-lighting")["service_request_id"]
    drain = request_file(client, api_key, service_code="mun-drainage")["service_request_id"]

    assert ids(client.get(f"{BASE}/requests.json?service_code=mun-lighting")) == [lamp]
    assert set(ids(client.get(f"{BASE}/requests.json?service_code=env-garbage,mun-drainage"))) == {
        garbage,
        drain,
    }


def test_the_default_window_is_the_last_90_days(doors, client, api_key):
    with time_machine.travel(at(2026, 1, 5, 9, 0), tick=False):
        old = request_file(client, api_key)["service_request_id"]
    with time_machine.travel(at(2026, 3, 1, 9, 0), tick=False):
        recent = request_file(client, api_key)["service_request_id"]
    with time_machine.travel(at(2026, 5, 1, 9, 0), tick=False):
        assert ids(client.get(f"{BASE}/requests.json")) == [recent]
        window = "start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-03-31T00:00:00%2B08:00"
        assert ids(client.get(f"{BASE}/requests.json?{window}")) == [recent, old]
        # An unencoded "+" arrives as a space; it still reads as the offset.
        assert ids(client.get(f"{BASE}/requests.json?start_date=2026-01-01T00:00:00 08:00")) == [
            recent,
            old,
        ]
        assert ids(client.get(f"{BASE}/requests.json?end_date=2026-02-01T00:00:00Z")) == [old]
        assert ids(client.get(f"{BASE}/requests.json?start_date=2026-02-01")) == [recent]


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z",
        "start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z",
        "start_date=yesterday",
        "status=pending",
    ],
    ids=["over-90-days", "backwards", "not-a-date", "bad-status"],
)
def test_bad_filters_are_a_bad_request(doors, client, query):
    response = client.get(f"{BASE}/requests.json?{query}")

    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_at_most_the_configured_number_of_requests_newest_first(doors, client, api_key, settings):
    settings.OPEN311_REQUESTS_MAX = 2
    references = [request_file(client, api_key)["service_request_id"] for _ in range(3)]

    assert ids(client.get(f"{BASE}/requests.json")) == references[:0:-1]


def test_requests_come_in_xml(doors, client, api_key):
    first = request_file(client, api_key, lat="39.9", long="116.4")["service_request_id"]
    case_move(Case.objects.get(reference=first), *doors.steps_to("handling"))
    request_file(client, api_key)

    listed = xmltodict.parse(client.get(f"{BASE}/requests.xml").content)["service_requests"][
        "request"
    ]
    one = xmltodict.parse(client.get(f"{BASE}/requests/{quote(first)}.xml").content)[
        "service_requests"
    ]["request"]

    assert len(listed) == 2
    assert one["service_request_id"] == first and one["status"] == "open"
    assert (one["lat"], one["long"], one["zipcode"]) == ("39.9", "116.4", None)
    assert one["agency_responsible"] == "和平物业服务有限公司"
    json_one = client.get(f"{BASE}/requests/{first}.json").json()[0]
    assert one["expected_datetime"] == json_one["expected_datetime"]


def test_the_resolution_outcome_reads_in_words(doors, client, api_key):
    reference = request_file(client, api_key)["service_request_id"]
    steps = doors.steps_to("handling") + [
        (doors.user("unitmember"), "resolve", {"result": "已解释", "outcome": Outcome.EXPLAINED})
    ]
    case_move(Case.objects.get(reference=reference), *steps)

    notes = client.get(f"{BASE}/requests/{reference}.json").json()[0]["status_notes"]
    assert notes.startswith("Resolved: Explained.")


def test_requested_datetime_is_in_beijing_time_with_its_offset(doors, client, api_key):
    with time_machine.travel(datetime(2026, 5, 1, 1, 30, tzinfo=UTC), tick=False):
        reference = request_file(client, api_key)["service_request_id"]
    request = client.get(f"{BASE}/requests/{reference}.json").json()[0]

    assert request["requested_datetime"] == "2026-05-01T09:30:00+08:00"
    assert timedelta(0) <= datetime.fromisoformat(
        request["updated_datetime"]
    ) - datetime.fromisoformat(request["requested_datetime"])
