"""Every page, as every role, on a 360 × 740 phone in Chromium: nothing wider than the screen,
every menu item within reach, no text under 12 px (chart labels measured as drawn). A
screenshot of each page is kept under test-results/phone/ (CI keeps it as an artefact)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from casework.demo import demo_seed
from casework.models import EvaluationReport
from casework.services.evaluation_run import evaluation_catch_up, period_bounds
from workflows.evaluation_rules import period_due

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "phone"
ROLES = ["gridworker", "dispatcher", "unitmember", "party_committee", "supervisor", "admin"]

# Text smaller than this (in CSS px as shown) is unreadable on a phone.
SMALL_TEXT = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    if (el.closest('.visually-hidden, [hidden], script, style, option, .tooltip')) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    let size = parseFloat(style.fontSize);
    const svg = el.closest('svg');
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    if (size < 11.9) small.push(node.textContent.trim().slice(0, 24) + ' ' + size.toFixed(1) + 'px');
  }
  return small;
}"""
MENU_OUT_OF_REACH = """() => [...document.querySelectorAll('header a, header button, nav.nav a')]
  .filter(a => { const r = a.getBoundingClientRect();
                 return r.left < 0 || r.right > window.innerWidth + 0.5 || !r.width; })
  .map(a => a.textContent.trim())"""


@pytest.fixture
def living_street(street):
    """The demo street with its cases, and last period's report frozen."""
    demo_seed(password=PASSWORD)
    now = timezone.now()
    due = period_due(now, settings.EVALUATION_DAY, settings.EVALUATION_HOUR).next()
    with time_machine.travel(period_bounds(due)[1] + timedelta(hours=1)):
        evaluation_catch_up()
    assert EvaluationReport.objects.exists()


def problems_of(page, label: str) -> list[str]:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{label}.png"), full_page=True)
    problems = []
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"{label}: {width} px wide")
    if out := page.evaluate(MENU_OUT_OF_REACH):
        problems.append(f"{label}: menu out of reach {out}")
    if small := page.evaluate(SMALL_TEXT):
        problems.append(f"{label}: small text {small[:5]}")
    return problems


def pages_of(page, base: str) -> list[str]:
    """The menu's pages, and from them the first case, consultation and report."""
    menu = page.eval_on_selector_all(
        "nav.nav a:not([href^='/admin'])", "links => links.map(a => a.getAttribute('href'))"
    )
    found = list(dict.fromkeys(["/notifications/", *menu]))
    for listing, link in (
        ("/cases/", ".case-card a"),
        ("/consultations/", "a[href^='/consultations/'][href$='/']:not([href='/consultations/'])"),
        ("/evaluations/", "[data-periods] a"),
    ):
        if listing not in found and not any(path.startswith(listing) for path in menu):
            continue
        page.goto(base + listing)
        first = page.locator(f"main {link}").first
        if first.count():
            found.append(first.get_attribute("href"))
    return found


@pytest.mark.parametrize("username", ROLES)
def test_every_page_fits_a_phone(live_server, living_street, phone, username):
    base = live_server.url
    page = phone()
    page.goto(f"{base}/accounts/login/")
    problems = problems_of(page, "login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    paths = pages_of(page, base)
    assert len(paths) >= 3, paths
    for path in paths:
        response = page.goto(base + path)
        assert response.status < 400, (path, response.status)
        problems += problems_of(page, f"{username}{re.sub(r'[^A-Za-z0-9-]+', '_', path)}")
    assert problems == []


def test_the_residents_pages_fit_a_phone(live_server, street, phone):
    page = phone()
    page.goto(f"{live_server.url}/report/")
    problems = problems_of(page, "resident_report")
    page.select_option("#id_category", "mun-lighting")
    page.fill("#id_description", "北门路灯不亮。")
    page.fill("#id_address", "北门")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/follow/"))
    problems += problems_of(page, "resident_follow")
    assert problems == []


def test_the_admin_reads_in_chinese_on_a_phone_viewflow_lists_too(live_server, living_street, phone):
    page = phone()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    problems = []
    for path, expected in (
        ("/admin/", ["社区议事 · 后台管理", "会商流程", "流程实例", "流程任务"]),
        ("/admin/viewflow/process/", ["创建时间", "流程", "状态", "参与人", "摘要", "六方会商"]),
        ("/admin/viewflow/task/", ["创建时间", "状态", "办理人", "完成时间"]),
    ):
        page.goto(live_server.url + path)
        text = page.inner_text("body")
        assert all(word in text for word in expected), (path, text[:400])
        for english in ("Process list", "Tasks", "Workflow", "Participants", "flow_class"):
            assert english not in text, (path, english)
        problems += problems_of(page, f"admin{path.replace('/', '_')}")
    assert problems == []
