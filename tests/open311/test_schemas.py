"""Open311 answers validate against GeoReport v2's own JSON Schemas, vendored from the
public repository open311/schema-validation (schema/georeport-v2/, see schemas/README.md)."""

from datetime import datetime
from urllib.parse import urlparse

import pytest
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.factories import case_move

from .conftest import BASE, request_file, schema

SCHEMA_FILES = [
    "service.json",
    "services.json",
    "service-definition.json",
    "request.json",
    "requests.json",
]

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _date_time_with_offset(value) -> bool:
    # docs/api.md#open311: datetimes carry a time zone.
    return (
        isinstance(value, str) and "T" in value and datetime.fromisoformat(value).tzinfo is not None
    )


@formats.checks("uri")
def _uri(value) -> bool:
    parts = urlparse(value)
    return bool(parts.scheme and parts.netloc)


def validator(name: str) -> Draft7Validator:
    registry = Registry().with_resources(
        (file, Resource.from_contents(schema(file), default_specification=DRAFT7))
        for file in SCHEMA_FILES
    )
    return Draft7Validator(schema(name), registry=registry, format_checker=formats)


def assert_valid(name: str, document):
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schemas_catch_what_they_should():
    # The vendored schemas and our format checks bite: a request without a zone or status.
    bad = [
        {
            "service_request_id": "SS-1",
            "status": "pending",
            "service_code": "x",
            "requested_datetime": "2026-05-01T09:00:00",
        }
    ]
    assert len(list(validator("requests.json").iter_errors(bad))) == 2


@pytest.mark.django_db
def test_services_validate(doors, client):
    services = client.get(f"{BASE}/services.json").json()

    assert_valid("services.json", services)
    assert len(services) > 20
    elevator = next(s for s in services if s["service_code"] == "prop-elevator")
    assert elevator["metadata"] is True and elevator["group"] == "物业服务"
    assert "电梯" in elevator["keywords"]
    garbage = next(s for s in services if s["service_code"] == "env-garbage")
    assert garbage["metadata"] is False
    # Groups are not services themselves; a group without children ("other") is one.
    codes = {s["service_code"] for s in services}
    assert "environment" not in codes and "other" in codes


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["prop-elevator", "noise-construction", "env-garbage"])
def test_service_definitions_validate(doors, client, code):
    definition = client.get(f"{BASE}/services/{code}.json").json()

    assert_valid("service-definition.json", definition)
    assert definition["service_code"] == code


@pytest.mark.django_db
def test_a_service_definition_lists_its_attributes_in_order(doors, client):
    definition = client.get(f"{BASE}/services/prop-elevator.json").json()

    assert [a["code"] for a in definition["attributes"]] == ["building", "people_trapped"]
    trapped = definition["attributes"][1]
    assert trapped["datatype"] == "singlevaluelist" and trapped["required"] is True
    assert trapped["values"] == [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]


@pytest.mark.django_db
def test_requests_and_a_request_validate(doors, client, api_key):
    filed = request_file(client, api_key)
    request_file(
        client,
        api_key,
        service_code="mun-lighting",
        address_string="",
        lat="39.9",
        long="116.4",
        media_url="https://img.example.cn/lamp.jpg",
    )
    # One of them moves on: assigned, accepted, with a resolve clock.
    from casework.models import Case

    case = Case.objects.get(reference=filed["service_request_id"])
    case_move(case, *doors.steps_to("handling"))

    requests = client.get(f"{BASE}/requests.json").json()
    assert_valid("requests.json", requests)
    assert len(requests) == 2

    one = client.get(f"{BASE}/requests/{filed['service_request_id']}.json").json()
    assert_valid("requests.json", one)
    assert_valid("request.json", one[0])
    assert one[0]["agency_responsible"] == "和平物业服务有限公司"
    assert one[0]["expected_datetime"].endswith("+08:00")
