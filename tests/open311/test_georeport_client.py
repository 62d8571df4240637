"""A real GeoReport v2 client, the `georeport` package from PyPI, against a live server:
it lists services, reads a service definition and reads requests, in JSON and in XML."""

import pytest
from georeport import GeoReport

from casework.models import Case
from tests.factories import case_move

from .conftest import doors_prepare, request_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filed(demo, settings, tmp_path, client):
    """Two requests filed through Open311, one of them assigned and taken on."""
    from casework.services.resident import api_key_create

    doors_prepare(settings, tmp_path)
    key = api_key_create(name="georeport test")[1]
    first = request_file(client, key, lat="39.9087", long="116.3975")["service_request_id"]
    second = request_file(
        client,
        key,
        service_code="prop-elevator",
        **{"attribute[building]": "9号楼", "attribute[people_trapped]": "no"},
    )
    case_move(Case.objects.get(reference=first), *demo.steps_to("handling"))
    return [first, second["service_request_id"]]


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_reads_everything(live_server, filed, output_format):
    client = GeoReport(f"{live_server.url}/open311/v2/", output_format=output_format)

    services = client.get_service_list()
    codes = [service["service_code"] for service in services]
    assert "env-garbage" in codes and "prop-elevator" in codes
    elevator = next(service for service in services if service["service_code"] == "prop-elevator")
    assert elevator["service_name"] == "电梯故障"
    assert str(elevator["metadata"]).lower() == "true"

    definition = client.get_service_definition("prop-elevator")
    assert definition["service_code"] == "prop-elevator"
    attributes = definition["attributes"]
    attributes = attributes["attribute"] if output_format == "xml" else attributes
    assert [attribute["code"] for attribute in attributes] == ["building", "people_trapped"]

    requests = client.get_service_requests()
    assert {request["service_request_id"] for request in requests} == set(filed)
    assert {request["status"] for request in requests} == {"open"}

    first = client.get_service_request(filed[0])
    assert first["service_request_id"] == filed[0]
    assert first["service_code"] == "env-garbage"
    assert first["agency_responsible"] == "和平物业服务有限公司"
    assert first["expected_datetime"].endswith("+08:00")
    assert float(first["lat"]) == pytest.approx(39.9087)

    by_code = client.get_service_requests(service_code="prop-elevator", status="open")
    assert [request["service_request_id"] for request in _as_list(by_code)] == [filed[1]]


def _as_list(items):
    # xmltodict gives a lone <request> as a dict, not a one-item list.
    return items if isinstance(items, list) else [items]
