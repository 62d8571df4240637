"""Hostile input at every door (docs/security.md, "Hostile input"): the API, Open311 and the
residents' pages answer each request below with a 4xx in their own format — never a 500 —
and nothing is written. Run on PostgreSQL too, where a NUL byte reaching a query is an
error rather than a miss."""

import json
from urllib.parse import urlencode

import pytest

from casework.models import Ballot, Case, CaseEvent, Notification, PublicIntake
from tests.factories import PASSWORD, consultation_of

from .conftest import BASE, FORM, report_fields

pytestmark = pytest.mark.django_db

NESTED = "[" * 50_000 + "]" * 50_000


def written() -> tuple:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        PublicIntake.objects.count(),
        Ballot.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def staff(doors, api):
    """A case in handling, its consultation, and clients for the dispatcher."""
    case = doors.case_in("consultation")
    return {"case": case, "consultation": consultation_of(case), "api": api("dispatcher")}


def api_requests(staff):
    ref = staff["case"].reference
    consultation = staff["consultation"].pk
    return [
        ("get", "/api/v1/consultations/%C2%B2/", None),  # '²'.isdigit() is true
        ("get", "/api/v1/consultations/%D9%A1/", None),  # Arabic-Indic one
        ("get", "/api/v1/consultations/99999999999999999999999999/", None),
        ("post", "/api/v1/consultations/%D9%A1/ballots/", {"option": "abstain"}),
        ("get", "/api/v1/cases/SS%00X/", None),
        ("get", "/api/v1/cases/SS%00X/events/", None),
        ("get", f"/api/v1/cases/{ref}%00/", None),
        ("get", "/api/v1/evaluations/2026-1%00/", None),
        ("get", "/api/v1/cases/?state=collected%00", None),
        ("get", "/api/v1/cases/?search=%1B%5B31m", None),
        ("get", "/api/v1/cases/?cursor=cD0lMDA%3D", None),  # position "\x00"
        ("get", "/api/v1/cases/?cursor=cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", None),
        ("get", "/api/v1/cases/?cursor=%2A%2A%2A", None),
        ("get", "/api/v1/breaches/?cursor=cD1ub3QtYS1kYXRl", None),  # "p=not-a-date"
        ("post", f"/api/v1/cases/{ref}/transitions/accept.json/", {"version": 1}),
        ("post", f"/api/v1/cases/{ref}/transitions/ACCEPT/", {"version": 1}),
        ("get", "/api/v1/no-such-thing/", None),
        ("get", "/api/v2/cases/", None),
        ("post", "/api/v1/cases/", {"title": "t", "description": "d", "grid": 10**30, "channel": "hall"}),
        ("post", "/api/v1/cases/", {"title": "t\x00", "description": "d", "grid": 1, "channel": "hall"}),
        ("post", "/api/v1/cases/", {"title": "t", "description": "d\x1b[2J", "grid": 1, "channel": "hall"}),
        (
            "post",
            f"/api/v1/consultations/{consultation}/ballots/",
            {"option": 10**40},
        ),
        (
            "post",
            f"/api/v1/cases/{ref}/transitions/escalate/",
            {"version": 1, "mode": "hall", "options": ["a"], "place": "p", "starts_at": "9999-12-31T23:59:59Z"},
        ),
    ]


def raw_json_requests():
    return [
        ("/api/v1/auth/token/", NESTED),
        ("/api/v1/auth/token/", '{"username": "dispatcher", "password": NaN}'),
        ("/api/v1/auth/token/", '{"username": "dispatcher\\u0000", "password": "x"}'),
        ("/api/v1/cases/", '{"title": "t", "description": "d", "grid": 1e400, "channel": "hall"}'),
        ("/api/v1/cases/", '{"title": "t", "description": "d", "grid": Infinity, "channel": "hall"}'),
        ("/api/v1/cases/", '{"title": "t", "description": "d", "grid": -1e999, "channel": "hall"}'),
        ("/api/v1/cases/", '{"a": ' * 40 + "1" + "}" * 40),
        ("/api/v1/cases/", '{"title": "t", "description": "d", "grid": 1, "channel": "hall", "lat": 1e400, "long": 1}'),
        ("/api/v1/cases/", '{"title": "t", "description": "d", "grid": 1, "channel": "hall", "lat": 39.9, "long": 1' + "0" * 400 + '}'),
    ]


def test_the_api_refuses_hostile_requests_in_json_and_writes_nothing(staff):
    client = staff["api"]
    before = written()
    for method, path, body in api_requests(staff):
        response = getattr(client, method)(path, body) if body is not None else getattr(client, method)(path)
        assert 400 <= response.status_code < 500, (path, body, response.status_code)
        assert response["Content-Type"].startswith("application/json"), path
        assert set(response.json()) == {"error", "detail", "fields"}, path
    assert written() == before


def test_hostile_json_bodies_get_a_400_not_a_server_error(staff):
    client = staff["api"]
    before = written()
    for path, raw in raw_json_requests():
        response = client.generic("POST", path, raw, content_type="application/json")
        assert response.status_code == 400, (path, raw[:40], response.status_code)
        assert response.json()["error"] in {"invalid_input", "parse_error", "invalid"}, path
    assert written() == before


def test_deep_nesting_is_refused_before_authentication(doors, client):
    response = client.generic(
        "POST", "/api/v1/auth/token/", NESTED, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_valid_json_body_still_files_a_case(staff):
    """The guard refuses what is hostile, not ordinary text with line breaks and tabs."""
    response = staff["api"].post(
        "/api/v1/cases/",
        {
            "title": "楼道灯不亮",
            "description": "3号楼二单元\n楼道灯\t一周不亮",
            "grid": staff["case"].grid_id,
            "channel": "hall",
        },
    )
    assert response.status_code == 201, response.content


def test_unknown_api_addresses_answer_json_not_the_html_page(doors, client):
    for path in ("/api/v1/nope/", "/api/nope", "/api/v1/cases/SS-1/transitions/", "/api/"):
        response = client.get(path)
        assert response.status_code in (401, 404), path
        assert response["Content-Type"].startswith("application/json"), path


OPEN311_GETS = [
    "/requests.json?service_code=env%00",
    "/requests.json?service_request_id=SS%00",
    "/requests.json?status=open%00",
    "/requests.json?start_date=9999-12-31T23:59:59Z",
    "/requests.json?end_date=0001-01-01T00:00:00Z",
    "/requests.json?start_date=1999-12-31T23:59:59%2B08:00",
    "/requests/SS%00X.json",
    "/requests/SS%00X.xml",
    "/services/env%00.json",
    "/tokens/%00.json",
]


def test_open311_reads_refuse_hostile_parameters_in_the_spec_format(doors, client):
    for path in OPEN311_GETS:
        response = client.get(BASE + path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        if path.endswith(".xml"):
            assert response["Content-Type"].startswith("text/xml"), path
        else:
            body = response.json()
            assert isinstance(body, list) and {"code", "description"} <= set(body[0]), path


@pytest.mark.parametrize(
    "overrides",
    [
        {"service_code": "env-garbage\x00"},
        {"address_id": "C1-G1\x00"},
        {"lat": "1e400", "long": "116.4"},
        {"lat": "nan", "long": "116.4"},
        {"lat": "39.9", "long": "-inf"},
        {"description": "垃圾\x00桶"},
        {"first_name": "\x1b[31m"},
        {"attribute[\x00]": "x"},
    ],
    ids=["service_code", "address_id", "lat-overflow", "lat-nan", "long-inf", "description", "name", "attribute"],
)
def test_open311_posts_refuse_hostile_fields_and_file_nothing(doors, client, api_key, overrides):
    before = written()
    response = client.post(
        f"{BASE}/requests.json",
        data=urlencode(report_fields(api_key, **overrides)),
        content_type=FORM,
    )
    assert response.status_code == 400, (overrides, response.content)
    assert written() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "env-garbage\x00", "description": "垃圾", "address": "3号楼"},
        {"category": "env-garbage", "description": "垃圾", "grid": "C1-G1\x00"},
        {"category": "env-garbage", "description": "垃圾", "lat": "1e400", "long": "1"},
        {"category": "env-garbage", "description": "垃圾\x07", "address": "3号楼"},
    ],
    ids=["category", "grid", "lat", "bell"],
)
def test_the_public_report_form_refuses_hostile_fields(doors, client, fields):
    before = written()
    response = client.post("/report/", fields)
    assert 400 <= response.status_code < 500 or (
        response.status_code == 200 and "errorlist" in response.content.decode()
    ), (fields, response.status_code)
    assert written() == before


def test_public_pages_refuse_control_characters_in_the_address(doors, client):
    for path in ("/follow/%00/", "/follow/abc%00/rate/", "/report/?grid=%00"):
        response = client.get(path)
        assert 400 <= response.status_code < 500, path


def test_a_staff_page_with_a_nul_in_its_address_is_a_400_page(doors, client):
    client.login(username="dispatcher", password=PASSWORD)
    response = client.get("/cases/SS%00X/")
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("text/html")


def test_hostile_query_strings_on_pages_are_refused(doors, client):
    client.login(username="dispatcher", password=PASSWORD)
    response = client.get("/cases/?state=%00")
    assert response.status_code == 400


def test_json_strings_keep_line_breaks_and_tabs():
    from casework.input_guard import json_loads

    assert json_loads(json.dumps({"a": "x\ny\tz\r"})) == {"a": "x\ny\tz\r"}
