"""The Content-Security-Policy in a real Chromium: the pages, the report's charts and the API
docs work under it, and the browser reports no violation (README "Security headers")."""

import pytest

from tests.casework.evaluation_month import Month
from tests.factories import Demo

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []  # what the policy refused, and any script that failed
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text
        and page.problems.append(message.text),
    )
    page.on("pageerror", lambda error: page.problems.append(f"uncaught: {error}"))
    yield page
    context.close()


def visit(page, url: str) -> list[str]:
    page.problems.clear()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return list(page.problems)


def test_pages_charts_and_api_docs_work_under_the_policy(live_server, street, desktop):
    from playwright.sync_api import expect

    month = Month(Demo())
    month.build()
    month.run()
    base, page = live_server.url, desktop

    assert visit(page, f"{base}/report/") == []
    assert visit(page, f"{base}/accounts/login/") == []
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.problems == []

    assert visit(page, f"{base}/cases/") == []
    # The report: charts styled by charts.css (pygal's inline <style> is gone), tables
    # sorted by sortable.js.
    assert visit(page, f"{base}/evaluations/2026-11/") == []
    expect(page.locator("svg.pygal-chart")).to_have_count(3)
    title = page.locator("[data-chart=rates] svg.pygal-chart text.title")
    assert title.evaluate("t => getComputedStyle(t).fontSize") == "18px"
    assert page.locator("[data-chart=rates] .tooltip").first.evaluate(
        "t => getComputedStyle(t).opacity"
    ) == "0"
    header = page.locator("table[data-table=units] thead th").nth(1)
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending")

    # Swagger UI from our static files, its start-up script a file of its own.
    assert visit(page, f"{base}/api/docs/") == []
    expect(page.locator(".opblock").first).to_be_visible()

    # Redoc draws too; the one thing refused is its footer logo from its makers' CDN.
    problems = visit(page, f"{base}/api/redoc/")
    expect(page.get_by_text("Casework API").first).to_be_visible()
    assert [p for p in problems if "cdn.redoc.ly" not in p] == []
