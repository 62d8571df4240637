"""A grid worker records a callback (回访) on a 360 px phone in a real headless Chromium: the
resident did not rate through the follow link, so the grid worker called them."""

import pytest

from casework.actors import actor_for_user
from casework.models import Case, Grid
from casework.services.cases import case_collect, case_transition
from tests.e2e.test_browser_lifecycle import fits_the_screen, log_in
from tests.e2e.test_pages import classify_payload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def resolved_case() -> Case:
    from django.contrib.auth import get_user_model

    def actor(username):
        return actor_for_user(get_user_model().objects.get(username=username))

    case = case_collect(
        actor=actor("gridworker"),
        data={"title": "楼道灯不亮", "description": "5号楼2单元楼道灯坏了。",
              "grid": Grid.objects.get(code="C1-G1").pk, "channel": "hall"},
    )
    for username, name, payload in [
        ("dispatcher", "classify", classify_payload()),
        ("unitmember", "accept", {}),
        ("unitmember", "resolve", {"result": "已更换灯泡。", "outcome": "fixed"}),
    ]:
        case = case_transition(
            actor=actor(username), case_id=case.pk, name=name, payload=payload, version=case.version
        )
    return case


def test_a_grid_worker_records_a_callback_on_a_small_phone(live_server, street, chromium):
    from playwright.sync_api import expect

    case = resolved_case()
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
        locale="zh-CN", timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, live_server.url, "gridworker")
        page.goto(f"{live_server.url}/cases/{case.reference}/")
        form = page.locator('[data-transition-form="rate"]')
        expect(form.locator('input[type="datetime-local"]')).to_be_visible()
        assert fits_the_screen(page)

        form.locator('input[name="satisfaction"][value="basically_satisfied"]').check()
        form.locator('textarea[name="comment"]').fill("电话回访：灯修好了，就是慢了点。")
        form.locator('input[name="channel"][value="phone"]').check()
        form.locator("button[type=submit]").click()

        expect(page.locator("[data-rating-source]")).to_have_attribute(
            "data-rating-source", "callback"
        )
        expect(page.locator('[data-transition-form="rate"]')).to_have_count(0)
        expect(page.locator('.timeline [data-transition="rate"]')).to_contain_text("灯修好了")
        assert fits_the_screen(page)
    finally:
        context.close()

    case.refresh_from_db()
    assert (case.satisfaction, case.rating_source) == ("basically_satisfied", "callback")
    event = case.events.select_related("actor").latest("seq")
    assert (event.actor.username, event.payload["source"], event.payload["channel"]) == (
        "gridworker", "callback", "phone",
    )  # fmt: skip
