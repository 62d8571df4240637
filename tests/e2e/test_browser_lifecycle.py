"""A case from the street to resolved, in a real headless Chromium on a phone-sized screen:
the grid worker files it, the dispatcher assigns it, the property company accepts and
resolves it, and the case page tells the whole story."""

import re

import pytest

from casework.models import Case, Category, Unit

from .conftest import PASSWORD, PHONE, PHONE_MASKED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "北门路灯不亮"
DESCRIPTION = "北门到5号楼之间三盏路灯一周不亮，老人晚上出门不安全。"
RESULT = "已更换三盏路灯灯泡，晚上复查正常。"


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def fits_the_screen(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling. Measured once the current page has
    loaded, so a navigation still under way cannot leave the document empty."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def state_of(page) -> str:
    return page.locator(".case-header [data-state]").get_attribute("data-state")


def test_a_case_goes_from_the_street_to_resolved(live_server, street, phone):
    from playwright.sync_api import expect

    base = live_server.url
    category = Category.objects.get(code="mun-lighting")
    unit = Unit.objects.get(code="property-1")

    # The grid worker files the case from the mobile form.
    page = phone()
    log_in(page, base, "gridworker")
    expect(page).to_have_url(f"{base}/grid/")
    assert fits_the_screen(page)
    page.click('nav a[href="/cases/new/"]')
    expect(page.locator("#id_grid option")).to_have_count(1)  # only their own grid
    page.fill("#id_title", TITLE)
    page.fill("#id_description", DESCRIPTION)
    page.select_option("#id_channel", "door_visit")
    page.fill("#id_address", "北门")
    page.fill("#id_reporter_name", "王女士")
    page.fill("#id_reporter_phone", PHONE)
    assert fits_the_screen(page)
    page.click("main button[type=submit]")

    expect(page).to_have_url(re.compile(r"/cases/SS-\d{6}-\d{6}/$"))
    reference = page.locator("article.case").get_attribute("data-reference")
    expect(page.locator(".messages")).to_contain_text(reference)
    expect(page.locator(".case-title")).to_have_text(TITLE)
    assert state_of(page) == "collected"
    expect(page.locator("[data-phone]")).to_have_text(PHONE_MASKED)
    assert fits_the_screen(page)
    page.click('[data-action="logout"]')
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # The dispatcher finds it in the queue and assigns it to the property company.
    page = phone()
    log_in(page, base, "dispatcher")
    expect(page).to_have_url(f"{base}/dispatch/")
    card = page.locator(f'.case-card[data-reference="{reference}"]')
    expect(card).to_contain_text(TITLE)
    card.locator("a").click()
    expect(page).to_have_url(f"{base}/cases/{reference}/")
    expect(page.locator("[data-phone]")).to_have_text(PHONE)
    classify = page.locator('[data-transition-form="classify"]')
    classify.locator("#classify-category").select_option(str(category.pk))
    classify.locator("#classify-urgency").select_option("normal")
    classify.locator("#classify-difficulty").select_option("small")
    classify.locator("#classify-unit").select_option(str(unit.pk))
    classify.locator("button[type=submit]").click()
    expect(page.locator(".case-header [data-state]")).to_have_attribute("data-state", "classified")
    expect(page.locator("[data-unit]")).to_have_text(unit.name)
    page.goto(f"{base}/dispatch/")  # no longer waiting for dispatch
    expect(page.locator(f'.case-card[data-reference="{reference}"]')).to_have_count(0)

    # The unit member accepts it from the inbox, then reports back.
    page = phone()
    log_in(page, base, "unitmember")
    expect(page).to_have_url(f"{base}/inbox/")
    page.locator(f'.case-card[data-reference="{reference}"] a').click()
    expect(page.locator('[data-transition-form="classify"]')).to_have_count(0)
    page.locator('[data-transition-form="accept"] button[type=submit]').click()
    expect(page.locator(".case-header [data-state]")).to_have_attribute("data-state", "handling")
    resolve = page.locator('[data-transition-form="resolve"]')
    resolve.locator("#resolve-result").fill(RESULT)
    resolve.locator("#resolve-outcome").select_option("fixed")
    resolve.locator("button[type=submit]").click()
    expect(page.locator(".case-header [data-state]")).to_have_attribute("data-state", "evaluating")
    expect(page.locator("[data-transition-form]")).to_have_count(0)  # nothing left for the unit

    # The timeline shows the four steps in order, with who did them and what was done.
    events = page.locator(".timeline [data-transition]")
    expect(events).to_have_count(4)
    assert events.evaluate_all("items => items.map(item => item.dataset.transition)") == [
        "collect",
        "classify",
        "accept",
        "resolve",
    ]
    # Who did each step, by their 姓名.
    expect(events.nth(0)).to_contain_text("王丽")
    expect(events.nth(1)).to_contain_text("张强")
    expect(events.nth(1)).to_contain_text(unit.name)
    expect(events.nth(2)).to_contain_text("刘伟")
    expect(events.nth(3)).to_contain_text(RESULT)
    assert fits_the_screen(page)

    # And the database agrees with the page.
    case = Case.objects.select_related("unit", "category").get(reference=reference)
    assert (case.state, case.unit.code) == ("evaluating", "property-1")
    assert case.category.code == "mun-lighting"
    assert (case.title, case.channel, case.reporter_phone) == (TITLE, "door_visit", PHONE)
    assert (case.resolution, case.outcome, case.version) == (RESULT, "fixed", 4)
    events = case.events.order_by("seq").values_list("transition", "to_state", "actor__username")
    assert list(events) == [
        ("collect", "collected", "gridworker"),
        ("classify", "classified", "dispatcher"),
        ("accept", "handling", "unitmember"),
        ("resolve", "evaluating", "unitmember"),
    ]
