"""POST /open311/v2/requests: a key is required, bad input is refused with the spec's errors
and leaves nothing behind, and a good request becomes an ordinary case in the right grid."""

from decimal import Decimal

import pytest
import xmltodict

from casework.models import ApiKey, Case, CaseEvent, Grid, PublicIntake
from casework.services.resident import api_key_revoke
from workflows.geo import wgs84_to_gcj02

from .conftest import BASE, post_request, report_fields, request_file

pytestmark = pytest.mark.django_db


def nothing_created():
    return (Case.objects.count(), CaseEvent.objects.count(), PublicIntake.objects.count()) == (
        0,
        0,
        0,
    )


def errors_of(response) -> list[dict]:
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(error) == {"code", "description"} for error in body)
    assert {error["code"] for error in body} == {response.status_code}
    return body


def descriptions(response) -> str:
    return " | ".join(error["description"] for error in errors_of(response))


# ---------------------------------------------------------------- refusals


def test_a_post_without_a_key_is_forbidden(doors, client):
    fields = report_fields("")
    del fields["api_key"]

    response = post_request(client, **fields)

    assert response.status_code == 403
    assert "api_key" in descriptions(response)
    assert nothing_created()


def test_a_post_with_a_bad_key_is_forbidden(doors, client, api_key):
    response = post_request(client, **report_fields(api_key + "x"))

    assert response.status_code == 403
    assert "Invalid api_key" in descriptions(response)
    assert nothing_created()


def test_a_revoked_key_is_forbidden(doors, client, api_key):
    api_key_revoke(key_ids=ApiKey.objects.values_list("pk", flat=True))

    response = post_request(client, **report_fields(api_key))

    assert response.status_code == 403
    assert nothing_created()


def test_an_unknown_service_code_is_a_bad_request(doors, client, api_key):
    response = post_request(client, **report_fields(api_key, service_code="ufo-sighting"))

    assert response.status_code == 400
    assert "service_code: There is no service “ufo-sighting”." in descriptions(response)
    assert nothing_created()


def test_a_group_is_not_a_service(doors, client, api_key):
    response = post_request(client, **report_fields(api_key, service_code="environment"))

    assert response.status_code == 400
    assert nothing_created()


def test_a_request_without_a_location_is_a_bad_request(doors, client, api_key):
    response = post_request(client, **report_fields(api_key, address_string=""))

    assert response.status_code == 400
    assert descriptions(response).startswith("location: ")
    assert nothing_created()


def test_a_description_over_4000_characters_is_a_bad_request(doors, client, api_key):
    response = post_request(client, **report_fields(api_key, description="漏" * 4001))

    assert response.status_code == 400
    assert "description: " in descriptions(response)
    assert nothing_created()


def test_a_description_of_exactly_4000_characters_is_taken(doors, client, api_key):
    filed = request_file(client, api_key, description="漏" * 4000)

    assert len(Case.objects.get(reference=filed["service_request_id"]).description) == 4000


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"lat": "39.9"}, "long"),
        ({"lat": "91", "long": "116.4"}, "lat"),
        ({"address_id": "C9-G9"}, "address_id"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"media_url": "photo.jpg"}, "media_url"),
        ({"coordinate_system": "bd09", "lat": "39.9", "long": "116.4"}, "coordinate_system"),
    ],
)
def test_other_bad_fields_are_named(doors, client, api_key, fields, named):
    response = post_request(client, **report_fields(api_key, **fields))

    assert response.status_code == 400
    assert f"{named}: " in descriptions(response)
    assert nothing_created()


def test_the_fields_problems_are_reported_together(doors, client, api_key):
    response = post_request(
        client, **report_fields(api_key, description="x" * 4001, phone="?", media_url="x")
    )

    assert response.status_code == 400
    lines = descriptions(response)
    assert "description: " in lines and "phone: " in lines and "media_url: " in lines


def test_errors_come_as_xml_when_asked(doors, client):
    response = post_request(client, "xml", **report_fields("wrong"))

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/xml")
    error = xmltodict.parse(response.content)["errors"]["error"]
    assert error["code"] == "403" and "api_key" in error["description"]


def test_other_methods_are_refused(doors, client):
    response = client.put(f"{BASE}/requests.json")

    assert response.status_code == 405
    assert errors_of(response)[0]["code"] == 405


# ---------------------------------------------------------------- attributes


def test_a_required_attribute_must_be_answered(doors, client, api_key):
    response = post_request(
        client,
        **report_fields(api_key, service_code="prop-elevator", **{"attribute[building]": "9号楼"}),
    )

    assert response.status_code == 400
    assert "attribute[people_trapped]: " in descriptions(response)
    assert nothing_created()


@pytest.mark.parametrize(
    "answers, named",
    [
        ({"attribute[people_trapped]": "maybe"}, "attribute[people_trapped]"),
        ({"attribute[people_trapped]": ["yes", "no"]}, "attribute[people_trapped]"),
        ({"attribute[people_trapped]": "no", "attribute[colour]": "red"}, "attribute[colour]"),
    ],
)
def test_bad_answers_are_refused(doors, client, api_key, answers, named):
    fields = report_fields(
        api_key, service_code="prop-elevator", **{"attribute[building]": "9号楼"}
    )
    response = post_request(client, **{**fields, **answers})

    assert response.status_code == 400
    assert f"{named}: " in descriptions(response)
    assert nothing_created()


def test_answers_are_recorded_with_their_questions_and_shown_to_staff(doors, client, api_key):
    filed = request_file(
        client,
        api_key,
        service_code="noise-construction",
        **{
            "attribute[time_of_day][]": ["day", "night"],
            "attribute[started_at]": "2026-05-01T22:30:00+08:00",
        },
    )

    intake = PublicIntake.objects.get(case__reference=filed["service_request_id"])
    assert [(a["code"], a["answer"]) for a in intake.attributes] == [
        ("time_of_day", "白天（6-22点）; 夜间（22-6点）"),
        ("started_at", "2026-05-01T22:30:00+08:00"),
    ]
    page = Client_for("dispatcher").get(f"/cases/{filed['service_request_id']}/")
    assert "噪音在什么时间？" in page.content.decode()
    assert "夜间（22-6点）" in page.content.decode()


def Client_for(username):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


# ---------------------------------------------------------------- a request that is taken


def test_a_request_becomes_an_ordinary_case(doors, client, api_key):
    response = post_request(
        client,
        **report_fields(
            api_key,
            device_id="phone-7",
            account_id="u-42",
            media_url="https://img.example.cn/a.jpg",
        ),
    )

    assert response.status_code == 201
    created = response.json()
    assert len(created) == 1 and set(created[0]) == {
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    }
    assert created[0]["account_id"] == "u-42"
    case = Case.objects.select_related("grid", "category").get(
        reference=created[0]["service_request_id"]
    )
    assert (case.state, case.channel, case.version) == ("collected", "open311", 1)
    assert (case.grid.code, case.category.code) == ("C1-G1", "env-garbage")  # the default grid
    assert case.title.startswith("垃圾清运不及时 · 3号楼东侧垃圾桶")
    assert (case.reporter_name, case.reporter_phone) == ("李明", "13812345678")
    assert case.created_by_id is None
    event = case.events.get()
    assert (event.transition, event.actor_id, event.payload["channel"]) == (
        "collect",
        None,
        "open311",
    )
    intake = case.public_intake
    assert intake.api_key.name == "街道随手拍小程序"
    assert (intake.email, intake.device_id, intake.media_url) == (
        "li.ming@example.cn",
        "phone-7",
        "https://img.example.cn/a.jpg",
    )
    # Only the token's hash is kept; the token finds the request.
    token = created[0]["token"]
    assert token not in intake.follow_token_hash
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": case.reference, "token": token}
    ]
    assert ApiKey.objects.get().last_used_at == case.created_at


def test_a_created_request_answers_in_xml_too(doors, client, api_key):
    response = post_request(client, "xml", **report_fields(api_key))

    assert response.status_code == 201
    request = xmltodict.parse(response.content)["service_requests"]["request"]
    assert Case.objects.filter(reference=request["service_request_id"], channel="open311").exists()
    assert request["token"] and request["account_id"] is None


def test_western_names_keep_their_order(doors, client, api_key):
    filed = request_file(
        client, api_key, first_name="Jane", last_name="Doe", phone="+1 (555) 555-0100"
    )

    case = Case.objects.get(reference=filed["service_request_id"])
    assert (case.reporter_name, case.reporter_phone) == ("Jane Doe", "+1 555 555-0100")


def test_a_service_without_a_description_is_described_by_its_name(doors, client, api_key):
    filed = request_file(client, api_key, description="")

    assert Case.objects.get(reference=filed["service_request_id"]).description == "垃圾清运不及时"


# ---------------------------------------------------------------- which grid


def grid_circle(code, lat, long, radius_m):
    Grid.objects.filter(code=code).update(
        centre_lat=Decimal(str(lat)), centre_long=Decimal(str(long)), radius_m=radius_m
    )


def grid_of(filed) -> str:
    return Case.objects.select_related("grid").get(reference=filed["service_request_id"]).grid.code


def test_address_id_names_the_grid(doors, client, api_key):
    assert grid_of(request_file(client, api_key, address_id="C2-G1", address_string="")) == "C2-G1"


def test_coordinates_land_in_the_grid_whose_circle_holds_them(doors, client, api_key):
    grid_circle("C1-G2", 39.9100, 116.4000, 300)
    grid_circle("C2-G1", 39.9200, 116.4000, 300)

    filed = request_file(client, api_key, lat="39.9205", long="116.4010", address_string="")

    assert grid_of(filed) == "C2-G1"
    case = Case.objects.get(reference=filed["service_request_id"])
    assert (case.lat, case.long) == (Decimal("39.920500"), Decimal("116.401000"))


def test_where_circles_overlap_the_nearest_centre_wins(doors, client, api_key):
    grid_circle("C1-G2", 39.9100, 116.4000, 2000)
    grid_circle("C1-G3", 39.9120, 116.4000, 2000)

    assert grid_of(request_file(client, api_key, lat="39.9115", long="116.4000")) == "C1-G3"


def test_coordinates_outside_every_circle_go_to_the_default_grid(doors, client, api_key, settings):
    grid_circle("C1-G2", 39.9100, 116.4000, 300)
    settings.OPEN311_DEFAULT_GRID = "C2-G2"

    assert grid_of(request_file(client, api_key, lat="31.2304", long="121.4737")) == "C2-G2"


def test_address_id_wins_over_coordinates(doors, client, api_key):
    grid_circle("C1-G2", 39.9100, 116.4000, 300)

    assert (
        grid_of(request_file(client, api_key, lat="39.91", long="116.40", address_id="C1-G3"))
        == "C1-G3"
    )


def test_gcj02_coordinates_are_converted_to_wgs84(doors, client, api_key):
    # A Gaode map point for the grid's centre is ~550 m off in GCJ-02: outside a 300 m circle
    # unless converted back.
    grid_circle("C1-G2", 39.9087, 116.3975, 300)
    gcj_lat, gcj_long = wgs84_to_gcj02(39.9087, 116.3975)

    filed = request_file(
        client, api_key, lat=f"{gcj_lat:.6f}", long=f"{gcj_long:.6f}", coordinate_system="gcj02"
    )

    assert grid_of(filed) == "C1-G2"
    case = Case.objects.get(reference=filed["service_request_id"])
    assert abs(float(case.lat) - 39.9087) < 2e-6 and abs(float(case.long) - 116.3975) < 2e-6
