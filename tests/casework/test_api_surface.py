"""The API's fixed surface: auth, the error shape for 401, reference data and the OpenAPI
schema (docs/api.md)."""

import pytest

from casework.models import Category, Grid, Unit


def _assert_error_shape(response, status, error):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == error
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/cases/"),
        ("post", "/api/v1/cases/"),
        ("get", "/api/v1/cases/SS-202611-000001/"),
        ("post", "/api/v1/cases/SS-202611-000001/transitions/accept/"),
        ("get", "/api/v1/grids/"),
    ],
)
def test_no_token_is_401_in_the_error_shape(demo, api, method, path):
    response = getattr(api(None), method)(path)

    body = _assert_error_shape(response, 401, "not_authenticated")
    assert body["fields"] == {}
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_401_in_the_error_shape(demo, api):
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    _assert_error_shape(client.get("/api/v1/cases/"), 401, "authentication_failed")


def test_token_for_username_and_password(demo, api):
    response = api(None).post("/api/v1/auth/token/", {"username": "dispatcher", "password": "pw-test"})

    assert response.status_code == 200
    assert set(response.json()) == {"token"}


def test_wrong_password_is_400_in_the_error_shape(demo, api):
    response = api(None).post("/api/v1/auth/token/", {"username": "dispatcher", "password": "nope"})

    _assert_error_shape(response, 400, "invalid")


def test_token_request_without_username_names_the_field(demo, api):
    response = api(None).post("/api/v1/auth/token/", {"password": "pw-test"})

    body = _assert_error_shape(response, 400, "invalid")
    assert "username" in body["fields"]


@pytest.mark.parametrize(
    ("path", "model"),
    [("/api/v1/grids/", Grid), ("/api/v1/units/", Unit), ("/api/v1/categories/", Category)],
)
def test_reference_data_lists_id_code_and_name(demo, api, path, model):
    response = api("gridworker").get(path)

    assert response.status_code == 200
    items = response.json()
    assert items, path
    for item in items:
        assert {"id", "code", "name"} <= set(item)
    listed = {(item["id"], item["code"], item["name"]) for item in items}
    stored = set(model.objects.values_list("id", "code", "name"))
    if model is not Grid:
        stored = set(model.objects.filter(is_active=True).values_list("id", "code", "name"))
    assert listed == stored


def test_reference_data_ids_are_what_case_payloads_take(demo, api):
    client = api("gridworker")
    grid = next(g for g in client.get("/api/v1/grids/").json() if g["code"] == "C1-G1")
    category = next(c for c in client.get("/api/v1/categories/").json() if c["code"] == "mun-road")

    response = client.post(
        "/api/v1/cases/",
        {"title": "道路坑洼", "description": "主路积水。", "grid": grid["id"], "category": category["id"],
         "channel": "snapshot"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    assert (response.json()["grid"], response.json()["category"]) == (grid["id"], category["id"])


def test_openapi_schema_describes_the_case_endpoints(db, client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/v1/cases/",
        "/api/v1/cases/{reference}/",
        "/api/v1/cases/{reference}/events/",
        "/api/v1/cases/{reference}/transitions/{name}/",
        "/api/v1/grids/",
        "/api/v1/units/",
        "/api/v1/categories/",
    ]:
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/v1/cases/"])
    assert "201" in paths["/api/v1/cases/"]["post"]["responses"]
    transition = paths["/api/v1/cases/{reference}/transitions/{name}/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(transition["responses"])


def test_openapi_schema_is_served_as_yaml_by_default(db, client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/v1/cases/" in response.content


def test_api_docs_page_renders(db, client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
