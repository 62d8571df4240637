"""A resident's concern in a real headless Chromium on a phone-sized screen: reported without
an account (with a photo), followed by its private link, resolved by staff, rated by the
resident; the dispatcher then sees the rating and the photo on the case page."""

import re

import pytest

from casework.models import Case
from tests.factories import Demo, case_move
from tests.open311.conftest import doors_prepare, png_bytes
from workflows.case_states import Outcome

from .conftest import PASSWORD
from .test_browser_lifecycle import fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "北门到5号楼之间三盏路灯一周不亮，老人晚上出门不安全。"
RESULT = "已更换三盏路灯灯泡。如有问题请联系电工 13987654321。"


def test_a_resident_reports_follows_and_rates(live_server, street, phone, settings, tmp_path):
    from playwright.sync_api import expect

    doors_prepare(settings, tmp_path)
    base = live_server.url

    # The resident reports the broken lamps from their phone, with a photo, anonymously.
    page = phone()
    page.goto(f"{base}/report/")
    assert fits_the_screen(page)
    page.select_option("#id_category", "mun-lighting")
    page.fill("#id_description", DESCRIPTION)
    page.fill("#id_address", "北门到5号楼")
    page.set_input_files(
        "#id_photo",
        files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": png_bytes((64, 48))}],
    )
    assert fits_the_screen(page)
    page.click("main button[type=submit]")

    expect(page).to_have_url(re.compile(r"/follow/[\w-]{40,}/\?new=1$"))
    reference = page.locator("article.follow").get_attribute("data-reference")
    assert re.fullmatch(r"SS-\d{6}-\d{6}", reference)
    expect(page.locator("[data-new-reference]")).to_have_text(reference)
    follow_link = page.locator("[data-follow-url]").input_value()
    assert follow_link == page.url.split("?")[0]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("[data-copy-follow-url]")
    expect(page.locator("[data-copied]")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == follow_link
    # The heading is what it is about; the resident's words follow once, in full.
    expect(page.locator("h1.case-title")).to_have_text("市政设施 / 路灯不亮")
    assert page.locator("main").inner_text().count(DESCRIPTION[:10]) == 1
    assert page.evaluate(
        "[...document.querySelectorAll('main .card')].every(c => c.innerText.trim() !== '')"
    )
    expect(page.locator(".case-header [data-state]")).to_have_attribute("data-state", "collected")
    assert fits_the_screen(page)

    # Staff take it from here: assigned to the property company, accepted, resolved.
    demo = Demo()
    case = Case.objects.get(reference=reference)
    assert (case.channel, case.category.code, case.reporter_phone) == ("online", "mun-lighting", "")
    unitmember = demo.user("unitmember")
    case_move(
        case,
        (demo.user("dispatcher"), "classify", demo.classify_payload(category=case.category_id)),
        (unitmember, "accept", {}),
        (unitmember, "resolve", {"result": RESULT, "outcome": Outcome.FIXED}),
    )

    # Days later the resident opens the link they kept, in a fresh browser.
    page = phone()
    page.goto(follow_link)
    expect(page.locator(".case-header [data-state]")).to_have_attribute("data-state", "evaluating")
    expect(page.locator("[data-unit]")).to_have_text("和平物业服务有限公司")
    expect(page.locator("[data-resolution]")).to_contain_text("139****4321")
    steps = page.locator(".timeline [data-transition]")
    assert steps.evaluate_all("items => items.map(item => item.dataset.transition)") == [
        "collect",
        "classify",
        "accept",
        "resolve",
    ]
    expect(page.locator("main")).not_to_contain_text("unitmember")
    expect(page.locator("main")).not_to_contain_text("刘伟")  # nor the staff's name
    expect(page.locator("main")).not_to_contain_text("13987654321")
    assert fits_the_screen(page)
    page.click("[data-rate-link]")

    page.check('input[name="satisfaction"][value="satisfied"]')
    page.fill("#id_comment", "修得很快，谢谢！")
    assert fits_the_screen(page)
    page.click("[data-rate-form] button[type=submit]")

    expect(page).to_have_url(follow_link)
    expect(page.locator("[data-rating]")).to_contain_text("修得很快，谢谢！")
    expect(page.locator("[data-rate-link]")).to_have_count(0)
    case.refresh_from_db()
    assert (case.state, case.satisfaction, case.rating_comment) == (
        "evaluating",
        "satisfied",
        "修得很快，谢谢！",
    )
    rate = case.events.get(transition="rate")
    assert rate.actor_id is None

    # The dispatcher sees the rating and the resident's photo on the case page.
    page = phone()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "dispatcher")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{base}/cases/{reference}/")
    facts = page.locator(".facts").first
    expect(facts).to_contain_text("修得很快，谢谢！")
    expect(page.locator('.timeline [data-transition="rate"]')).to_have_count(1)
    photo = page.locator("[data-photo]")
    photo.scroll_into_view_if_needed()  # it loads lazily
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-photo]');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    assert photo.evaluate("img => img.naturalWidth") == 64
    # With a close now allowed, the dispatcher can finish the case.
    expect(page.locator('[data-transition-form="close"]')).to_have_count(1)
    assert fits_the_screen(page)
