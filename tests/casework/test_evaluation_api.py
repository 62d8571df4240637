"""GET /api/v1/evaluations/{YYYY-MM}/ (docs/api.md#evaluations), with scope."""

import pytest

from .evaluation_month import Month

pytestmark = pytest.mark.django_db

URL = "/api/v1/evaluations/2026-11/"
LISTS = ["streets", "communities", "grids", "units", "categories"]


@pytest.fixture
def month(demo):
    built = Month(demo)
    built.build()
    built.report = built.run()
    return built


def test_404_until_the_period_is_run(api):
    response = api("supervisor").get(URL)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_the_report_has_the_contract_shape(month, api):
    body = api("supervisor").get(URL).json()
    assert list(body) == ["period", "starts_at", "ends_at", "run_at", "totals", *LISTS]
    assert (body["period"], body["starts_at"], body["ends_at"], body["run_at"]) == (
        "2026-11", "2026-10-21T00:00:00+08:00", "2026-11-20T09:00:00+08:00",
        "2026-11-20T09:00:00+08:00",
    )  # fmt: skip
    totals = body["totals"]
    assert (totals["received"], totals["dispatched"], totals["resolved"]) == (11, 9, 7)
    assert (totals["response_rate"], totals["resolution_rate"], totals["satisfaction_rate"],
            totals["composite"]) == ("0.7778", "0.6364", "0.8333", "0.7293")
    # Ratings by who gave them; the satisfaction rate, (4 + 1)/6, counts both.
    assert (totals["rated"], totals["rated_resident"], totals["rated_callback"]) == (6, 4, 2)
    unit = body["units"][0]
    assert (unit["code"], unit["name"], unit["rank"]) == ("property-2", "幸福家园物业公司", 1)
    assert "rank" not in body["communities"][0]


def test_a_supervisor_sees_the_street(month, api):
    body = api("supervisor").get(URL).json()
    assert [s["code"] for s in body["streets"]] == ["xinhua"]
    assert [c["code"] for c in body["communities"]] == ["C1", "C2"]
    assert [(g["rank"], g["code"]) for g in body["grids"]] == [(1, "C2-G1"), (2, "C1-G1"), (3, "C1-G2")]
    assert [u["code"] for u in body["units"]] == ["property-2", "property-1", "dept-urban"]


def test_a_dispatcher_sees_the_community(month, api):
    body = api("dispatcher").get(URL).json()
    assert body["streets"] == []
    assert [c["code"] for c in body["communities"]] == ["C1"]
    assert [(g["rank"], g["code"]) for g in body["grids"]] == [(1, "C1-G1"), (2, "C1-G2")]
    assert [(u["rank"], u["code"]) for u in body["units"]] == [(1, "property-1"), (2, "dept-urban")]
    assert {c["code"] for c in body["categories"]} == {"env-garbage", "mun-lighting"}
    assert (body["totals"]["received"], body["totals"]["composite"]) == (10, "0.6950")  # C1


def test_a_unit_member_sees_only_the_units_row(month, api):
    body = api("unitmember").get(URL).json()
    assert [(u["rank"], u["code"]) for u in body["units"]] == [(2, "property-1")]
    assert body["streets"] == body["communities"] == body["grids"] == body["categories"] == []
    assert (body["totals"]["dispatched"], body["totals"]["composite"]) == (7, "0.7571")


@pytest.mark.parametrize("username", ["gridworker", "outsider", "party_committee"])
def test_others_may_not_read_the_figures(month, api, username):
    response = api(username).get(URL)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_anonymous_callers_are_refused(month, api):
    assert api().get(URL).status_code in (401, 403)


def test_the_schema_documents_the_endpoint(api):
    schema = api("supervisor").get("/api/schema/?format=json").json()
    assert "/api/v1/evaluations/{period}/" in schema["paths"]
    row = schema["components"]["schemas"]["EvaluationRowOut"]["properties"]
    for name in ("rated_resident", "rated_callback"):
        assert row[name]["type"] == "integer" and row[name]["nullable"] is True
        assert "Of `rated`" in row[name]["description"]
    assert "callback" in row["rated_callback"]["description"]


def test_a_report_frozen_before_ratings_were_counted_by_source_gives_them_as_null(month, api):
    from casework.models import EvaluationReport

    report = EvaluationReport.objects.get()
    figures = report.figures
    for row in [figures["totals"], *figures["streets"], *figures["units"]]:
        del row["rated_resident"], row["rated_callback"]
    EvaluationReport.objects.filter(pk=report.pk).update(figures=figures)

    totals = api("supervisor").get(URL).json()["totals"]

    assert (totals["rated"], totals["rated_resident"], totals["rated_callback"]) == (6, None, None)
