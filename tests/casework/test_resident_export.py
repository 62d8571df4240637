"""A resident's request for their data (docs/privacy.md#export): staff who read reporters'
phones export, by phone number, every case of that resident within their reach, its events
and what the residents' doors recorded — as a JSON download over the API or from the staff
page. Every export is audited; nobody else gets anything, and bad input writes nothing."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client

from casework.models import Community, Grid, Membership, ResidentDataExport, Role
from casework.services.resident_export import phone_hash
from tests.factories import PASSWORD, case_file

pytestmark = pytest.mark.django_db

URL = "/api/v1/resident-data-exports/"
PAGE = "/resident-data/"


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    caches["ratelimit"].clear()


@pytest.fixture
def cases(demo):
    """The resident's two cases in C1 (typed two ways), one in C2, and someone else's."""
    c1 = [
        case_file(demo.user("gridworker"), reporter_phone="13812345678"),
        case_file(demo.user("gridworker"), reporter_phone="+86 138-1234-5678",
                  description="李明又来电：13812345678"),
    ]  # fmt: skip
    c2 = case_file(demo.user("outsider"), grid=Grid.objects.get(code="C2-G1").pk,
                   reporter_phone="138 1234 5678")  # fmt: skip
    other = case_file(demo.user("gridworker"), reporter_phone="13900001111")
    return {"c1": c1, "c2": c2, "other": other}


def export(client, phone="13812345678"):
    return client.post(URL, {"phone": phone})


def references(response) -> set[str]:
    return {case["reference"] for case in json.loads(response.content)["cases"]}


def test_a_dispatcher_gets_their_communitys_cases_of_that_resident_and_it_is_audited(
    cases, api, demo
):
    response = export(api("dispatcher"))

    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == 'attachment; filename="resident-data.json"'
    assert references(response) == {c.reference for c in cases["c1"]}
    body = response.json()
    assert body["phone"] == "13812345678"
    first = body["cases"][0]
    assert (first["reporter_name"], first["reporter_phone"]) == ("李先生", "13812345678")
    assert [e["kind"] for e in first["events"]] == ["collect"]
    assert first["community"] == cases["c1"][0].community.name and first["public_intake"] is None
    assert "13812345678" in body["cases"][1]["description"]  # unmasked: it is theirs

    audit = ResidentDataExport.objects.get()
    assert (audit.actor, audit.door, audit.cases, audit.events, audit.intakes) == (
        demo.user("dispatcher"), "api", 2, 2, 0,
    )  # fmt: skip
    assert audit.phone_masked == "138****5678"
    assert audit.phone_hash == phone_hash("13812345678") and "5678" not in audit.phone_hash


@pytest.mark.parametrize(
    "typed",
    ["+86 138 1234 5678", "0086-138-1234-5678", "8613812345678", "１３８１２３４５６７８",
     "138　1234　5678", " 13812345678 "],
)  # fmt: skip
def test_the_number_is_found_however_it_is_typed(cases, api, typed):
    response = export(api("dispatcher"), typed)

    assert response.status_code == 200, response.content
    assert references(response) == {c.reference for c in cases["c1"]}


def test_a_superuser_gets_every_community(cases, api):
    assert references(export(api("admin"))) == {c.reference for c in [*cases["c1"], cases["c2"]]}


def test_a_dispatcher_of_another_community_gets_only_theirs(cases, api, demo):
    user = get_user_model().objects.create_user("dispatcher-c2", password=PASSWORD)
    Membership.objects.create(
        user=user, role=Role.DISPATCHER, community=Community.objects.get(code="C2")
    )

    assert references(export(api("dispatcher-c2"))) == {cases["c2"].reference}


def test_a_resident_with_no_case_gets_an_empty_export_still_audited(cases, api):
    response = export(api("dispatcher"), "010-62345678")

    assert response.status_code == 200 and response.json()["cases"] == []
    audit = ResidentDataExport.objects.get()
    assert (audit.cases, audit.phone_masked) == (0, "010****5678")


@pytest.mark.parametrize(
    "username", ["gridworker", "unitmember", "supervisor", "outsider", "owners_committee"]
)
def test_other_staff_are_refused_and_nothing_is_recorded(cases, api, username):
    response = export(api(username))

    assert response.status_code == 403, response.content
    assert response.json()["error"] == "forbidden"
    assert not ResidentDataExport.objects.exists()


def test_without_a_token_it_is_401(cases, api):
    assert export(api()).status_code == 401
    assert not ResidentDataExport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "1381234567"},  # a digit short
        {"phone": "+1 415 555 0100"},  # not a mainland number
        {"phone": "13812345678' OR '1'='1"},
        {"phone": "%5678"},
        {"phone": "_3812345678"},
        {"phone": "1" * 41},
        {"phone": ""},
        {"phone": ["13812345678"]},
        {"phone": {"$ne": ""}},
        {"phone": None},
        {},
    ],
)
def test_a_bad_number_is_400_and_nothing_is_recorded(cases, api, body):
    response = api("dispatcher").post(URL, body)

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid" and "phone" in response.json()["fields"]
    assert not ResidentDataExport.objects.exists()


def test_the_number_never_appears_in_the_url(cases, api):
    assert api("dispatcher").get(URL, {"phone": "13812345678"}).status_code == 405
    assert not ResidentDataExport.objects.exists()


def test_exports_are_rate_limited_per_person(cases, api, settings):
    settings.RESIDENT_EXPORT_RATE = "2/h"
    dispatcher = api("dispatcher")
    assert [export(dispatcher).status_code for _ in range(3)] == [200, 200, 429]
    assert ResidentDataExport.objects.count() == 2
    assert export(api("admin")).status_code == 200  # counted per person


# ---------------------------------------------------------------- the staff page


def signed_in(username) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_the_page_downloads_the_same_export_and_audits_it(cases):
    dispatcher = signed_in("dispatcher")
    page = dispatcher.get(PAGE)
    assert page.status_code == 200 and 'name="phone"' in page.content.decode()
    assert 'href="/resident-data/"' in dispatcher.get("/cases/").content.decode()  # in the menu

    response = dispatcher.post(PAGE, {"phone": "+86 138 1234 5678"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="resident-data.json"'
    assert references(response) == {c.reference for c in cases["c1"]}
    assert ResidentDataExport.objects.get().door == "page"


def test_the_page_shows_a_bad_number_with_400_and_records_nothing(cases):
    response = signed_in("dispatcher").post(PAGE, {"phone": "not a phone"})

    assert response.status_code == 400
    assert "Enter a mainland mobile or landline number" in response.content.decode()
    assert not ResidentDataExport.objects.exists()


@pytest.mark.parametrize("username", ["gridworker", "unitmember", "supervisor"])
def test_the_page_is_not_for_other_roles(cases, username):
    client = signed_in(username)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"phone": "13812345678"}).status_code == 403
    assert 'href="/resident-data/"' not in client.get("/cases/").content.decode()
    assert not ResidentDataExport.objects.exists()


def test_the_page_needs_a_sign_in(cases):
    assert Client().post(PAGE, {"phone": "13812345678"}).status_code == 302
    assert not ResidentDataExport.objects.exists()


def test_the_audit_is_in_the_admin(cases, api):
    export(api("dispatcher"))
    admin = signed_in("admin")

    listing = admin.get("/admin/casework/residentdataexport/")
    assert listing.status_code == 200 and "138****5678" in listing.content.decode()
    row = ResidentDataExport.objects.get()
    assert admin.post(f"/admin/casework/residentdataexport/{row.pk}/delete/").status_code == 403
