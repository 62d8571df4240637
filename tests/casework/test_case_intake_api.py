"""POST /api/v1/cases/: what it takes, what it refuses, and that a refusal leaves no trace
(docs/api.md#errors: 400/403 with {"error", "detail", "fields"})."""

import pytest

from casework.models import Case, CaseEvent, ReferenceSequence

CASES = "/api/v1/cases/"


@pytest.fixture
def valid(demo):
    return {
        "title": "楼道电动车充电",
        "description": "2单元有住户把电动车推进楼道充电。",
        "grid": demo.grid("C1-G1").pk,
        "channel": "door_visit",
    }


def _trace():
    return Case.objects.count(), CaseEvent.objects.count(), list(ReferenceSequence.objects.values_list())


def _assert_refused(response, status, error, fields):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == error
    assert body["detail"]
    assert set(fields) <= set(body["fields"]), body["fields"]
    return body


def test_grid_worker_files_a_case_with_every_optional_field(demo, api, valid):
    category = demo.category("safety-ebike-charging")
    response = api("gridworker").post(
        CASES,
        {
            **valid,
            "address": "2号楼2单元",
            "lat": 31.2304161,
            "long": 121.4737012,
            "reporter_name": "王女士",
            "reporter_phone": "13812345678",
            "category": category.pk,
            "urgency": "urgent",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert (case.state, case.version, case.channel, case.grid, case.community) == (
        "collected",
        1,
        "door_visit",
        demo.grid("C1-G1"),
        demo.grid("C1-G1").community,
    )
    assert (case.category, case.urgency, case.address) == (category, "urgent", "2号楼2单元")
    assert (str(case.lat), str(case.long)) == ("31.230416", "121.473701")
    assert case.created_by == demo.user("gridworker")
    for key in ["reference", "state", "version", "title", "description", "channel", "grid", "address",
                "category", "urgency", "difficulty", "unit", "satisfaction", "created_at",
                "updated_at", "deadlines"]:  # fmt: skip
        assert key in body, key
    event = case.events.get()
    assert (event.seq, event.transition, event.from_state, event.to_state, event.actor) == (
        1,
        "collect",
        "",
        "collected",
        demo.user("gridworker"),
    )
    assert event.payload == {
        "channel": "door_visit",
        "grid": demo.grid("C1-G1").pk,
        "category": category.pk,
        "urgency": "urgent",
        "public_consent": False,
    }
    assert event.at == case.created_at


def test_dispatcher_files_for_any_grid_of_their_community(demo, api, valid):
    response = api("dispatcher").post(CASES, {**valid, "grid": demo.grid("C1-G3").pk})

    assert response.status_code == 201, response.content


def test_missing_fields_are_400_naming_each_one(demo, api):
    before = _trace()

    response = api("gridworker").post(CASES, {})

    _assert_refused(response, 400, "invalid", {"title", "description", "grid", "channel"})
    assert _trace() == before


BAD_FIELDS = [
    ("grid", "C1-G1"),
    ("grid", 999_999),
    ("grid", 10**20),
    ("grid", None),
    ("grid", True),
    ("category", 999_999),
    ("category", "env-garbage"),
    ("channel", "wechat"),
    ("channel", 5),
    ("urgency", "tomorrow"),
    ("title", ""),
    ("title", "   "),
    ("title", ["a", "list"]),
    ("title", "长" * 201),
    ("description", {"text": "an object"}),
    ("description", "x" * 1_000_000),
    ("description", "nul\x00byte"),
    ("lat", "north"),
    ("lat", 91),
    ("long", -181),
    ("lat", "NaN"),
    ("reporter_phone", "call me maybe"),
    ("address", "址" * 256),
]


@pytest.mark.parametrize(
    ("field", "value"),
    BAD_FIELDS,
    ids=[f"{field}={str(value)[:12]!r}" for field, value in BAD_FIELDS],
)
def test_bad_value_is_400_naming_the_field_and_files_nothing(demo, api, valid, field, value):
    payload = {**valid, field: value}
    if field == "lat":
        payload["long"] = 121.47
    if field == "long":
        payload["lat"] = 31.23
    before = _trace()

    response = api("gridworker").post(CASES, payload)

    _assert_refused(response, 400, "invalid", {field})
    assert _trace() == before


def test_inactive_category_is_refused(demo, api, valid):
    category = demo.category("env-pests")
    category.is_active = False
    category.save(update_fields=["is_active"])
    before = _trace()

    response = api("gridworker").post(CASES, {**valid, "category": category.pk})

    _assert_refused(response, 400, "invalid", {"category"})
    assert _trace() == before


@pytest.mark.parametrize(("given", "missing"), [("lat", "long"), ("long", "lat")])
def test_latitude_and_longitude_come_together(demo, api, valid, given, missing):
    before = _trace()

    response = api("gridworker").post(CASES, {**valid, given: 31.2})

    body = _assert_refused(response, 400, "invalid", set())
    assert {"lat", "long"} & set(body["fields"]), body["fields"]
    assert _trace() == before


@pytest.mark.parametrize(
    ("username", "grid"),
    [("gridworker", "C1-G2"), ("gridworker", "C2-G1"), ("dispatcher", "C2-G1"), ("outsider", "C1-G1"),
     ("unitmember", "C1-G1"), ("supervisor", "C1-G1"), ("party_committee", "C1-G1")],
)  # fmt: skip
def test_filing_outside_ones_grids_is_403_and_files_nothing(demo, api, valid, username, grid):
    before = _trace()

    response = api(username).post(CASES, {**valid, "grid": demo.grid(grid).pk})

    _assert_refused(response, 403, "forbidden", set())
    assert _trace() == before


def test_refused_intake_does_not_use_up_a_reference_number(demo, api, valid):
    api("gridworker").post(CASES, {**valid, "grid": demo.grid("C2-G1").pk})
    api("gridworker").post(CASES, {**valid, "channel": "wechat"})

    response = api("gridworker").post(CASES, valid)

    assert response.json()["reference"].endswith("-000001")


def test_body_that_is_not_an_object_is_400(demo, api):
    before = _trace()

    response = api("gridworker").post(CASES, ["title", "description"])

    _assert_refused(response, 400, "invalid", set())
    assert _trace() == before


def test_body_over_the_upload_limit_is_413_in_the_error_shape(demo, api, valid, settings):
    before = _trace()

    response = api("gridworker").post(
        CASES, {**valid, "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )

    _assert_refused(response, 413, "too_large", set())
    assert _trace() == before


def test_malformed_json_is_400_in_the_error_shape(demo, api):
    response = api("gridworker").post(CASES, '{"title": ', content_type="application/json")

    _assert_refused(response, 400, "parse_error", set())


def test_markup_is_kept_verbatim_as_text(demo, api, valid):
    title = "<script>alert('x')</script>"
    description = '<b>漏水</b> & <img src=x onerror="alert(1)"> 😀 \'"'

    response = api("gridworker").post(CASES, {**valid, "title": title, "description": description})

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert (response.json()["title"], response.json()["description"]) == (title, description)
    case = Case.objects.get(reference=response.json()["reference"])
    assert (case.title, case.description) == (title, description)
    detail = api("dispatcher").get(f"{CASES}{case.reference}/").json()
    assert (detail["title"], detail["description"]) == (title, description)
