"""Residents' personal data on the public side (docs/privacy.md): what residents and units
write is shown masked in the Open311 feed and on the follow pages, and only cases a resident
filed through a public door, or agreed to publish, are in the feed at all."""

import re

import pytest
import xmltodict
from django.contrib.auth import get_user_model
from django.test import Client

from casework.models import Case, CaseEvent, PublicIntake
from tests.factories import transition_url
from workflows.case_states import Outcome

from .conftest import BASE, request_file

pytestmark = pytest.mark.django_db

# Glued to Chinese characters, grouped with spaces, full-width: as residents type them.
DESCRIPTION = (
    "我是李明，住和平里3号楼502。电话138 1234 5678，身份证110101199003071234，"
    "座机（010）6234 5678。2026-12-03起东侧垃圾桶没人清运。"
)
PRIVATE = ("13812345678", "138 1234 5678", "110101199003071234", "19900307", "6234 5678", "李明")
MASKED = ("138****5678", "******************", "（010）****5678")
KEPT = ("和平里3号楼502", "2026-12-03")
RESULT = "已清运。如再满溢请联系物业王经理 139-8765-4321，或告诉李明。"


def assert_masked(text: str, *, masked=MASKED, kept=KEPT):
    for private in PRIVATE:
        assert private not in text, (private, text)
    for shown in masked + kept:
        assert shown in text, (shown, text)


def feed(client, fmt="json", path="requests"):
    response = client.get(f"{BASE}/{path}.{fmt}")
    assert response.status_code == 200, response.content.decode()
    if fmt == "json":
        return response.json()
    listed = xmltodict.parse(response.content)["service_requests"]
    if listed is None:
        return []
    requests = listed["request"]
    return requests if isinstance(requests, list) else [requests]


def in_feed(client, reference, fmt="json") -> dict | None:
    return next((r for r in feed(client, fmt) if r["service_request_id"] == reference), None)


def staff(username) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def report_online(client, **fields) -> tuple[Case, str]:
    response = client.post(
        "/report/",
        {
            "category": "env-garbage",
            "description": DESCRIPTION,
            "address": "和平里3号楼东侧",
            "reporter_name": "李明",
            "reporter_phone": "13812345678",
            **fields,
        },
    )
    assert response.status_code == 302, response.content.decode()
    link = re.fullmatch(r"(/follow/[\w-]+/)\?new=1", response["Location"]).group(1)
    return PublicIntake.objects.select_related("case").latest("id").case, link


def resolve_through_the_api(demo, api, case, result=RESULT):
    for username, name, payload in [
        ("dispatcher", "classify", demo.classify_payload()),
        ("unitmember", "accept", {}),
        ("unitmember", "resolve", {"result": result, "outcome": Outcome.FIXED}),
    ]:
        case.refresh_from_db()
        response = api(username).post(
            transition_url(case.reference, name), {**payload, "version": case.version}
        )
        assert response.status_code == 200, response.content
    case.refresh_from_db()
    return case


# ---------------------------------------------------------------- what residents typed


def test_the_feed_and_the_follow_page_mask_what_a_resident_typed_on_the_form(doors, client):
    case, link = report_online(client)
    assert case.description == DESCRIPTION  # stored as typed: the dispatcher reads it whole

    listed = in_feed(client, case.reference)
    assert_masked(listed["description"])
    assert_masked(in_feed(client, case.reference, "xml")["description"])
    one = client.get(f"{BASE}/requests/{case.reference}.json").json()[0]
    assert one["description"] == listed["description"]
    one_xml = client.get(f"{BASE}/requests/{case.reference}.xml").content.decode()
    assert_masked(one_xml)

    page = client.get(link).content.decode()
    assert_masked(page)
    assert "data-follow-link" not in page


def test_an_open311_request_is_masked_the_same_way(doors, client, api_key):
    reference = request_file(client, api_key, description=DESCRIPTION)["service_request_id"]

    assert Case.objects.get(reference=reference).reporter_name == "李明"
    for fmt in ("json", "xml"):
        assert_masked(in_feed(client, reference, fmt)["description"])
        body = client.get(f"{BASE}/requests/{reference}.{fmt}").content.decode()
        assert_masked(body)


def test_a_title_cut_from_the_description_never_keeps_half_a_phone_number(doors, client):
    case, link = report_online(
        client, description="东侧垃圾桶两天没有清运，气味很大，请尽快处理一下，谢谢。电话13812345678"
    )

    assert "138" not in case.title and case.title.startswith("垃圾清运不及时 · 东侧垃圾桶")
    assert "13812345678" not in client.get(link).content.decode()


# ---------------------------------------------------------------- what the unit wrote back


def test_what_the_unit_wrote_back_is_masked_in_status_notes_and_on_the_follow_page(
    doors, client, api
):
    case, link = report_online(client)
    case = resolve_through_the_api(doors, api, case)
    assert case.resolution == RESULT

    for fmt in ("json", "xml"):
        notes = in_feed(client, case.reference, fmt)["status_notes"]
        assert notes.startswith("Resolved: Fixed. Waiting for the resident's evaluation.")
        assert "139****4321" in notes and "王经理" in notes
        assert "8765" not in notes and "李明" not in notes
    for page in (client.get(link), client.get(f"{link}rate/")):
        html = page.content.decode()
        assert "139****4321" in html
        assert "139-8765-4321" not in html and "李明" not in html


def test_the_residents_own_rating_comment_is_masked_on_the_follow_page(doors, client, api):
    case, link = report_online(client)
    case = resolve_through_the_api(doors, api, case)
    response = client.post(
        f"{link}rate/",
        {"satisfaction": "satisfied", "comment": "很好，有事打13812345678", "version": case.version},
    )
    assert response.status_code == 302

    html = client.get(link).content.decode()
    assert "有事打138****5678" in html and "13812345678" not in html


# ---------------------------------------------------------------- consent


def staff_case(demo, api, **fields) -> dict:
    response = api("gridworker").post(
        "/api/v1/cases/",
        {
            "title": "楼道堆物 李明 13812345678",
            "description": DESCRIPTION,
            "grid": demo.grid().pk,
            "channel": "hall",
            "reporter_name": "李明",
            "reporter_phone": "13812345678",
            **fields,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_case_staff_filed_is_public_only_with_the_residents_consent(doors, client, api):
    internal = staff_case(doors, api)["reference"]
    consented = staff_case(doors, api, public_consent=True)

    assert consented["public_consent"] is True
    case = Case.objects.get(reference=consented["reference"])
    assert case.public_consent and case.events.get().payload["public_consent"] is True
    assert not Case.objects.get(reference=internal).public_consent
    references = [r["service_request_id"] for r in feed(client)]
    assert consented["reference"] in references and internal not in references
    assert client.get(f"{BASE}/requests/{internal}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json?service_request_id={internal}").json() == []
    for fmt in ("json", "xml"):
        assert_masked(in_feed(client, consented["reference"], fmt)["description"])
        body = client.get(f"{BASE}/requests/{consented['reference']}.{fmt}").content.decode()
        assert_masked(body)


def test_the_intake_page_records_the_residents_consent(doors, client):
    grid = doors.grid()
    page = staff("gridworker").get("/cases/new/").content.decode()
    assert 'type="checkbox" name="public_consent"' in page
    fields = {"title": "路灯不亮", "description": DESCRIPTION, "grid": grid.pk, "channel": "hall"}

    staff("gridworker").post("/cases/new/", fields)
    staff("gridworker").post("/cases/new/", {**fields, "public_consent": "on"})

    unpublished, published = Case.objects.order_by("id")
    assert (unpublished.public_consent, published.public_consent) == (False, True)
    assert [r["service_request_id"] for r in feed(client)] == [published.reference]


@pytest.mark.parametrize("channel", ["online", "open311"])
def test_staff_cannot_file_through_the_residents_channels(doors, api, channel):
    body = {"title": "t", "description": "d", "grid": doors.grid().pk, "channel": channel}

    response = api("dispatcher").post("/api/v1/cases/", body)

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == ["channel"]
    assert "Open311" in response.json()["fields"]["channel"][0]
    assert (Case.objects.count(), CaseEvent.objects.count()) == (0, 0)

    page = staff("gridworker").post("/cases/new/", {**body, "public_consent": "on"})
    html = page.content.decode()
    assert page.status_code == 400
    assert re.search(r'<ul class="errorlist"[^>]*id="id_channel_error"', html), html
    assert (Case.objects.count(), CaseEvent.objects.count()) == (0, 0)
