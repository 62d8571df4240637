"""The residents' pages through Django's test client: report without an account, follow by
the private link, rate once resolved; what the public sees and what it never sees."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casework.models import Case, CaseEvent, Grid, PublicIntake
from tests.factories import case_move
from workflows.case_states import Outcome

from .conftest import png_bytes, request_file

pytestmark = pytest.mark.django_db

FORM = {
    "category": "env-garbage",
    "description": "3号楼东侧垃圾桶两天没有清运，气味很大。",
    "address": "和平里3号楼东侧",
}
RESULT_WITH_PHONE = "已清运。如再满溢请联系物业王经理 13987654321。"


def staff(username) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def submit(client, **fields):
    return client.post("/report/", {**FORM, **fields})


def filed(client, **fields) -> tuple[Case, str]:
    """Submit the form; return the case and the follow link's path."""
    response = submit(client, **fields)
    assert response.status_code == 302, response.content.decode()
    link = response["Location"]
    match = re.fullmatch(r"/follow/([\w-]{40,})/\?new=1", link)
    assert match, link
    intake = PublicIntake.objects.select_related("case").latest("id")
    return intake.case, f"/follow/{match.group(1)}/"


def nothing_created():
    return (Case.objects.count(), CaseEvent.objects.count(), PublicIntake.objects.count()) == (
        0,
        0,
        0,
    )


# ---------------------------------------------------------------- reporting


def test_the_form_needs_no_login_and_offers_the_services_by_group(doors, client):
    response = client.get("/report/")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<optgroup label="环境卫生">' in html and 'value="env-garbage"' in html
    assert 'value="environment"' not in html  # a group, not a service
    assert 'enctype="multipart/form-data"' in html


def test_an_anonymous_resident_files_a_concern(doors, client):
    case, link = filed(client)

    assert (case.channel, case.state, case.grid.code, case.category.code) == (
        "online",
        "collected",
        "C1-G1",
        "env-garbage",
    )
    assert (case.reporter_name, case.reporter_phone, case.created_by_id) == ("", "", None)
    assert case.events.get().actor_id is None
    page = client.get(f"{link}?new=1")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Your concern is filed as {case.reference}" in html
    assert f'value="http://testserver{link}"' in html  # the private link to keep
    assert "data-follow-link" in html


def test_a_resident_may_leave_a_name_and_phone_and_choose_a_neighbourhood(doors, client):
    case, link = filed(client, reporter_name="王女士", reporter_phone="13812345678", grid="C2-G1")

    assert (case.reporter_name, case.reporter_phone, case.grid.code) == (
        "王女士",
        "13812345678",
        "C2-G1",
    )
    html = client.get(link).content.decode()
    assert "13812345678" not in html and "王女士" not in html


def test_coordinates_from_the_phone_place_the_report(doors, client):
    Grid.objects.filter(code="C1-G3").update(centre_lat=39.95, centre_long=116.30, radius_m=500)

    case, _ = filed(client, address="", lat="39.951", long="116.301")

    assert case.grid.code == "C1-G3"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"description": " "}, "description"),
        ({"address": ""}, "address"),
        ({"category": "environment"}, "category"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
    ],
)
def test_a_report_with_a_problem_is_shown_again_with_the_problem(doors, client, fields, field):
    response = submit(client, **fields)
    html = response.content.decode()

    assert response.status_code == 400
    assert re.search(rf'<ul class="errorlist"[^>]*id="id_{field}_error"', html), html
    assert nothing_created()


def test_the_form_keeps_what_was_typed(doors, client):
    html = submit(client, address="").content.decode()

    assert "3号楼东侧垃圾桶两天没有清运" in html


def test_what_residents_write_is_escaped(doors, client):
    case, link = filed(client, description="<script>alert(1)</script>")

    html = client.get(link).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# ---------------------------------------------------------------- the photo


def test_a_photo_is_kept_for_staff_only(doors, client, settings):
    case, link = filed(
        client, photo=SimpleUploadedFile("IMG_2041.HEIC", png_bytes(), content_type="image/heic")
    )

    photo = case.public_intake.photo
    assert photo.name.startswith("resident-photos/") and photo.name.endswith(".png")
    assert "IMG_2041" not in photo.name
    assert Path(settings.MEDIA_ROOT, photo.name).read_bytes() == png_bytes()
    # The dispatcher sees it on the case page and fetches it; outsiders and the public do not.
    page = staff("dispatcher").get(f"/cases/{case.reference}/").content.decode()
    assert f'src="/cases/{case.reference}/photo/"' in page
    image = staff("dispatcher").get(f"/cases/{case.reference}/photo/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == png_bytes()
    assert staff("outsider").get(f"/cases/{case.reference}/photo/").status_code == 404
    assert client.get(f"/cases/{case.reference}/photo/").status_code == 302  # to the login
    assert "/photo/" not in client.get(link).content.decode()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg"),
        SimpleUploadedFile("photo.png", png_bytes()[:40], content_type="image/png"),  # truncated
        SimpleUploadedFile(
            "page.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/svg+xml"
        ),
    ],
    ids=["text-named-jpg", "truncated-png", "svg"],
)
def test_only_real_photos_are_taken(doors, client, upload):
    response = submit(client, photo=upload)

    assert response.status_code == 400
    assert "This file is not a photo" in response.content.decode()
    assert nothing_created()


def test_a_photo_over_the_limit_is_refused(doors, client, settings):
    settings.PUBLIC_PHOTO_MAX_BYTES = 1024 * 1024
    big = png_bytes(size=(1500, 1500), color=None)
    noise = bytes(range(256)) * (1024 * 1024 // 256 + 1)
    upload = SimpleUploadedFile("big.png", big + noise, content_type="image/png")

    response = submit(client, photo=upload)

    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert nothing_created()


# ---------------------------------------------------------------- following


def test_the_follow_page_shows_progress_but_no_staff_or_phones(doors, client):
    case, link = filed(client)
    dispatcher, unitmember = doors.user("dispatcher"), doors.user("unitmember")
    case = case_move(
        case,
        (dispatcher, "classify", doors.classify_payload()),
        (unitmember, "return", {"reason": "不归我们管，请联系城管"}),
        (dispatcher, "classify", doors.classify_payload()),
        (unitmember, "accept", {}),
        (unitmember, "suspend", {"reason": "等居民在家"}),
        (unitmember, "resume", {}),
    )

    handling = client.get(link).content.decode()
    assert "和平物业服务有限公司" in handling  # the unit, by name
    assert "data-expected" in handling  # when it should be resolved

    case_move(
        case, (unitmember, "resolve", {"result": RESULT_WITH_PHONE, "outcome": Outcome.FIXED})
    )
    html = client.get(link).content.decode()

    steps = re.findall(r'data-transition="(\w+)"', html)
    assert steps == [
        "collect",
        "classify",
        "classify",
        "accept",
        "resolve",
    ]  # no return, pause, resume
    for private in (
        "dispatcher",
        "unitmember",
        "gridworker",
        "13987654321",
        "不归我们管",
        "等居民在家",
    ):
        assert private not in html, private
    assert "139****4321" in html  # what was done, with the phone masked
    assert "data-rate-link" in html


def test_a_wrong_link_finds_nothing(doors, client):
    filed(client)

    for path in ("/follow/not-a-token-at-all-but-long-enough-to-look-real-000/", "/follow/x/rate/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "does not lead to a case" in response.content.decode()


def test_an_open311_token_opens_the_follow_page_too(doors, client, api_key):
    created = request_file(client, api_key)

    page = client.get(f"/follow/{created['token']}/")

    assert page.status_code == 200
    assert created["service_request_id"] in page.content.decode()


# ---------------------------------------------------------------- rating


def test_rating_waits_until_the_case_is_resolved(doors, client):
    case, link = filed(client)

    page = client.get(f"{link}rate/")
    assert page.status_code == 200 and "data-not-yet" in page.content.decode()
    assert "data-rate-form" not in page.content.decode()
    refused = client.post(f"{link}rate/", {"satisfaction": "satisfied", "version": case.version})
    assert refused.status_code == 409
    case.refresh_from_db()
    assert (case.satisfaction, case.events.count()) == ("", 1)


def test_the_resident_rates_once_resolved_and_staff_see_it(doors, client):
    case, link = filed(client)
    case = case_move(case, *doors.steps_to("evaluating"))

    form = client.get(f"{link}rate/").content.decode()
    assert "data-rate-form" in form and f'name="version" value="{case.version}"' in form
    response = client.post(
        f"{link}rate/",
        {"satisfaction": "basically_satisfied", "comment": "还算及时", "version": case.version},
    )

    assert response.status_code == 302 and response["Location"] == link
    case.refresh_from_db()
    assert (case.state, case.satisfaction, case.rating_comment) == (
        "evaluating",
        "basically_satisfied",
        "还算及时",
    )
    event = case.events.latest("seq")
    assert (event.transition, event.actor_id, event.payload["satisfaction"]) == (
        "rate",
        None,
        "basically_satisfied",
    )
    follow = client.get(link).content.decode()
    assert "data-rating" in follow and "data-rate-link" not in follow
    page = staff("dispatcher").get(f"/cases/{case.reference}/").content.decode()
    assert "Basically satisfied · 还算及时" in page
    assert re.search(r'data-transition="rate".*?Resident', page, re.S)
    assert re.search(r'data-transition="collect".*?Resident', page, re.S)


def test_a_case_is_rated_only_once(doors, client):
    case, link = filed(client)
    case = case_move(case, *doors.steps_to("evaluating_rated"))  # the grid worker recorded it

    response = client.post(
        f"{link}rate/", {"satisfaction": "dissatisfied", "version": case.version}
    )

    assert response.status_code == 409
    assert "rated already" in response.content.decode()
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"


def test_a_rating_must_be_one_of_the_choices(doors, client):
    case, link = filed(client)
    case = case_move(case, *doors.steps_to("evaluating"))

    response = client.post(f"{link}rate/", {"satisfaction": "meh", "version": case.version})

    assert response.status_code == 400
    case.refresh_from_db()
    assert case.satisfaction == ""


def test_a_rating_on_a_stale_page_is_a_conflict(doors, client):
    case, link = filed(client)
    case = case_move(case, *doors.steps_to("evaluating"))

    response = client.post(
        f"{link}rate/", {"satisfaction": "satisfied", "version": case.version - 1}
    )

    assert response.status_code == 409
    case.refresh_from_db()
    assert case.satisfaction == ""


def test_one_link_rates_only_its_own_case(doors, client):
    first, first_link = filed(client)
    second, _ = filed(client)
    case_move(first, *doors.steps_to("evaluating"))
    second = case_move(second, *doors.steps_to("evaluating"))

    # The first case's link, with the second case's version: still the first case.
    client.post(f"{first_link}rate/", {"satisfaction": "satisfied", "version": second.version})

    second.refresh_from_db()
    assert second.satisfaction == ""
