"""The monthly report pages: charts (server-side SVG, no CDN), sortable tables, exports with
Chinese headers, and the same scope as the API."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.casework.evaluation_month import Month, figures_without_source_counts
from tests.factories import Demo

pytestmark = pytest.mark.django_db

PAGE = "/evaluations/2026-11/"


@pytest.fixture
def month(street):
    built = Month(Demo())
    built.build()
    built.report = built.run()
    return built


def test_the_menu_offers_the_figures_to_those_who_read_them(street, page_client):
    assert 'href="/evaluations/"' in page_client("supervisor").get("/cases/").content.decode()
    assert 'href="/evaluations/"' not in page_client("gridworker").get("/my-grid/").content.decode()


def test_the_list_of_periods(month, page_client):
    page = page_client("dispatcher").get("/evaluations/")
    assert page.status_code == 200
    assert 'href="/evaluations/2026-11/"' in page.content.decode()


def test_the_report_page_has_charts_tables_and_exports(month, page_client):
    page = page_client("supervisor").get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    for chart in ("rates", "breaches", "units"):
        assert f'data-chart="{chart}"' in html
    assert html.count('class="pygal-chart"') == 3
    # Nothing is loaded from elsewhere: no CDN script, no pygal tooltip script.
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []
    charts = re.findall(r"<figure.*?</figure>", html, re.DOTALL)
    assert len(charts) == 3 and not any("<script" in chart for chart in charts)
    assert "/static/casework/sortable.js" in html
    assert html.count("data-sortable") == 4  # communities, grids, units, categories
    # Rates read as percentages; the frozen fraction stays in data-value for sorting.
    assert 'data-figure="composite" data-value="0.7293">72.93%<' in html
    # Ratings by who gave them: 4 residents' own, 2 callbacks; both in the satisfaction rate.
    assert 'data-figure="rated">6<' in html
    assert 'data-figure="rated_resident">4<' in html and 'data-figure="rated_callback">2<' in html
    assert 'data-figure="satisfaction_rate" data-value="0.8333">83.33%<' in html
    grid = re.search(r'<tr data-code="C1-G1">.*?</tr>', html, re.S).group(0)
    assert 'data-rated-resident>4<' in grid and 'data-rated-callback>1<' in grid
    assert 'href="/evaluations/2026-11/export.csv"' in html
    assert 'href="/evaluations/2026-11/export.xlsx"' in html
    assert "和平物业服务有限公司" in html


def test_the_dispatcher_sees_only_the_community(month, page_client):
    html = page_client("dispatcher").get(PAGE).content.decode()
    assert 'data-figure="composite" data-value="0.6950">69.50%<' in html  # C1's
    assert "幸福社区第一网格" not in html and "幸福家园物业公司" not in html


@pytest.mark.parametrize("username", ["gridworker", "party_committee"])
def test_others_are_refused(month, page_client, username):
    assert page_client(username).get(PAGE).status_code == 403
    assert page_client(username).get(PAGE + "export.csv").status_code == 403


def test_unknown_periods_and_formats_are_404(month, page_client):
    client = page_client("supervisor")
    assert client.get("/evaluations/2026-10/").status_code == 404
    assert client.get("/evaluations/2026-99/").status_code == 404
    assert client.get(PAGE + "export.pdf").status_code == 404


def test_csv_export_has_chinese_headers_and_every_figure(month, page_client):
    response = page_client("supervisor").get(PAGE + "export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="evaluation-2026-11.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0])[:6] == ["范围", "所属街道", "所属社区", "编码", "名称", "排名"]
    totals = rows[0]
    assert (totals["范围"], totals["受理数"], totals["响应率"], totals["解决率"], totals["满意率"],
            totals["综合得分"]) == ("合计", "11", "0.7778", "0.6364", "0.8333", "0.7293")
    assert (totals["评价数"], totals["居民自评数"], totals["回访评价数"]) == ("6", "4", "2")
    units = [r for r in rows if r["范围"] == "承办单位"]
    assert [(r["排名"], r["编码"]) for r in units] == [
        ("1", "property-2"), ("2", "property-1"), ("3", "dept-urban"),
    ]  # fmt: skip


def test_xlsx_export_has_a_sheet_per_list(month, page_client):
    response = page_client("unitmember").get(PAGE + "export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["合计", "街道", "社区", "网格", "承办单位", "事项类别"]
    units = list(book["承办单位"].values)
    assert units[0][:5] == ("所属街道", "所属社区", "编码", "名称", "排名")
    assert len(units) == 2  # the unit member's own row only
    row = dict(zip(units[0], units[1], strict=True))
    assert (row["编码"], row["排名"], row["派单数"], row["综合得分"]) == ("property-1", 2, 7, 0.7571)
    assert (row["评价数"], row["居民自评数"], row["回访评价数"]) == (3, 2, 1)


def test_a_report_frozen_before_ratings_were_counted_by_source(month, page_client):
    """Its page and exports leave the two counts blank rather than guess them."""
    from casework.models import EvaluationReport

    report = EvaluationReport.objects.get()
    figures = figures_without_source_counts(report)
    EvaluationReport.objects.filter(pk=report.pk).update(figures=figures)
    client = page_client("supervisor")

    html = client.get(PAGE).content.decode()
    assert 'data-figure="rated">6<' in html and 'data-figure="rated_resident"' not in html
    grid = re.search(r'<tr data-code="C1-G1">.*?</tr>', html, re.S).group(0)
    assert grid.count(">—<") == 2
    text = client.get(PAGE + "export.csv").content.decode("utf-8").lstrip("\ufeff")
    totals = next(csv.DictReader(io.StringIO(text)))
    assert (totals["评价数"], totals["居民自评数"], totals["回访评价数"]) == ("6", "", "")


def test_the_page_reads_a_fixed_number_of_queries(month, page_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = page_client("supervisor")
    client.get(PAGE)  # the session and the first login's bookkeeping
    with CaptureQueriesContext(connection) as captured:
        client.get(PAGE)
    assert len(captured.captured_queries) <= 15


def test_names_are_escaped_in_tables_and_charts(street, page_client):
    from casework.models import Unit

    # Names are frozen with the report: rename before the run.
    Unit.objects.filter(code="property-1").update(name="<script>alert(1)</script>")
    built = Month(Demo())
    built.build()
    built.run()
    html = page_client("supervisor").get(PAGE).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
