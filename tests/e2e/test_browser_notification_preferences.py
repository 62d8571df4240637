"""A unit member sets SMS and quiet hours on a 360 px phone in a real headless Chromium
(docs/notifications.md#preferences): the page fits, a bad number is refused in place, a good
one is saved."""

import pytest

from casework.models import NotificationPreference
from tests.e2e.test_browser_lifecycle import fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_member_chooses_sms_and_quiet_hours_on_a_small_phone(live_server, street, chromium):
    from playwright.sync_api import expect

    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
        locale="zh-CN", timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, live_server.url, "unitmember")
        page.goto(f"{live_server.url}/notifications/")
        page.locator('[data-link="notification-preferences"]').click()
        form = page.locator('[data-form="notification-preferences"]')
        expect(form).to_be_visible()  # the click navigates: measure the new page, not the old
        assert fits_the_screen(page)

        form.locator('input[name="channels"][value="sms"]').check()
        form.locator('input[name="phone"]').fill("1234567")
        form.locator("button[type=submit]").click()
        expect(page.locator(".errorlist")).to_contain_text("13800138000")
        assert fits_the_screen(page)

        form.locator('input[name="phone"]').fill("138 0013 8000")
        form.locator('input[name="quiet_start"]').fill("22:00")
        form.locator('input[name="quiet_end"]').fill("07:00")
        form.locator("button[type=submit]").click()
        expect(page.locator('input[name="phone"]')).to_have_value("13800138000")
    finally:
        context.close()

    preference = NotificationPreference.objects.get(user__username="unitmember")
    assert (preference.channels, preference.phone, f"{preference.quiet_start:%H:%M}") == (
        ["sms"], "13800138000", "22:00",
    )  # fmt: skip
