"""The six-party vote in a real headless Chromium on phone-sized screens: each party's
representative logs in, finds the vote in their inbox and casts their party's ballot; the
sixth ballot closes the vote, and the results show the tally and every party's ballot."""

import re

import pytest

from casework.models import Case, Consultation
from tests.factories import Demo, consultation_of

from .test_browser_lifecycle import fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# party → which option (by position) its representative picks; None abstains.
CHOICES = {
    "party_committee": 2,
    "residents_committee": 2,
    "department": 1,
    "local_unit": 2,
    "property": None,
    "owners_committee": 1,
}


def test_six_representatives_vote_in_the_browser_and_read_the_results(live_server, street, phone):
    from playwright.sync_api import expect

    base = live_server.url
    case = Demo().case_in("consultation")
    consultation = consultation_of(case)
    options = {o.position: o for o in consultation.options.all()}

    for n, (party, position) in enumerate(CHOICES.items(), 1):
        page = phone()
        log_in(page, base, party)
        expect(page).to_have_url(f"{base}/consultations/")
        card = page.locator(f'[data-open-votes] [data-consultation="{consultation.pk}"]')
        expect(card.locator('[data-voted="no"]')).to_have_count(1)
        card.locator("a").click()
        expect(page).to_have_url(f"{base}/consultations/{consultation.pk}/")
        expect(page.locator("[data-countdown]")).to_be_visible()
        form = page.locator(f'[data-ballot-form="{party}"]')
        value = "abstain" if position is None else str(options[position].pk)
        form.locator(f'input[name="option"][value="{value}"]').check()
        assert fits_the_screen(page)
        form.locator("button[type=submit]").click()

        expect(page.locator(".messages")).to_be_visible()
        expect(page.locator(f'[data-party="{party}"]')).to_have_attribute("data-voted", "yes")
        if n < len(CHOICES):
            expect(page.locator("[data-results]")).to_have_count(0)  # secret until the close
            expect(page.locator(f'[data-ballot-form="{party}"] [data-my-ballot]')).to_be_visible()

    # The sixth ballot closed the vote: its voter reads the results on the same page …
    expect(page.locator("[data-results]")).to_be_visible()
    # … and so does the street's supervisor.
    page = phone()
    log_in(page, base, "supervisor")
    page.goto(f"{base}/consultations/{consultation.pk}/")
    expect(page.locator("article.consultation")).to_have_attribute("data-state", "decided")
    expect(page.locator("[data-results]")).to_be_visible()
    first, second = options[1], options[2]
    expect(page.locator(f'[data-result="{second.pk}"]')).to_have_attribute("data-votes", "3")
    expect(page.locator(f'[data-result="{second.pk}"]')).to_have_attribute("data-won", "yes")
    expect(page.locator(f'[data-result="{first.pk}"]')).to_have_attribute("data-votes", "2")
    expect(page.locator('[data-result="abstain"]')).to_have_attribute("data-votes", "1")
    for party, position in CHOICES.items():
        cell = page.locator(f'[data-party="{party}"] [data-ballot]')
        if position is None:
            expect(cell).to_have_text(re.compile("弃权|Abstain"))
        else:
            expect(cell).to_have_text(options[position].text)
    expect(page.locator("[data-decision]")).to_contain_text(second.text)
    assert fits_the_screen(page)

    # The case went back to handling with the winning plan's unit.
    case = Case.objects.select_related("unit").get(pk=case.pk)
    assert (case.state, case.unit.code) == ("handling", "dept-urban")
    assert Consultation.objects.get(pk=consultation.pk).outcome_id == second.pk
