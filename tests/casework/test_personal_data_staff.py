"""Residents' personal data on the staff side (docs/privacy.md): the case's dispatcher (and a
superuser) reads what residents and staff wrote whole; every other staff member reads it
with phone and ID numbers and the reporter's name masked, on the pages and in the API."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import case_file, case_move, case_url, consultation_of, transition_url
from workflows.case_states import Outcome

pytestmark = pytest.mark.django_db

DESCRIPTION = "李明反映：东侧垃圾桶满溢。电话13812345678，身份证110101199003071234。"
DESCRIPTION_MASKED = "**反映：东侧垃圾桶满溢。电话138****5678，身份证******************。"
RESULT = "已清运，回访李明 13812345678。"
RESULT_MASKED = "已清运，回访** 138****5678。"
PRIVATE = ("13812345678", "110101199003071234", "李明")


def page(username) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def filed(demo):
    return case_file(
        demo.user("gridworker"),
        title="垃圾桶满溢（李明 13812345678）",
        description=DESCRIPTION,
        reporter_name="李明",
    )


def resolved(demo, api):
    """Filed, then classified, accepted and resolved through the API, as people do."""
    case = filed(demo)
    for username, name, payload in [
        ("dispatcher", "classify", demo.classify_payload()),
        ("unitmember", "accept", {}),
        ("unitmember", "resolve", {"result": RESULT, "outcome": Outcome.FIXED}),
    ]:
        case.refresh_from_db()
        response = api(username).post(
            transition_url(case.reference, name), {**payload, "version": case.version}
        )
        assert response.status_code == 200, response.content
        last = response.json()
    case.refresh_from_db()
    return case, last


def test_the_unit_reads_the_case_masked_and_the_dispatcher_whole_in_the_api(demo, api):
    case, resolve_answer = resolved(demo, api)

    # The unit's own resolve answer is masked already.
    assert (resolve_answer["description"], resolve_answer["resolution"]) == (
        DESCRIPTION_MASKED,
        RESULT_MASKED,
    )
    for username in ("unitmember", "gridworker", "supervisor"):
        body = api(username).get(case_url(case.reference)).json()
        assert body["description"] == DESCRIPTION_MASKED, username
        assert body["resolution"] == RESULT_MASKED
        assert body["title"] == "垃圾桶满溢（** 138****5678）"
        assert body["reporter_phone"] == "138****5678"
    for username in ("dispatcher", "admin"):
        body = api(username).get(case_url(case.reference)).json()
        assert (body["description"], body["resolution"]) == (DESCRIPTION, RESULT), username
        assert body["reporter_phone"] == "13812345678"

    listed = api("unitmember").get("/api/v1/cases/").json()["results"]
    assert [c["description"] for c in listed] == [DESCRIPTION_MASKED]


def test_event_payloads_are_masked_for_all_but_the_dispatcher(demo, api):
    case, _ = resolved(demo, api)

    def resolve_result(username):
        events = api(username).get(case_url(case.reference, "events/")).json()
        return next(e for e in events if e["transition"] == "resolve")["payload"]

    assert resolve_result("unitmember") == {"result": RESULT_MASKED, "outcome": "fixed"}
    assert resolve_result("gridworker")["result"] == RESULT_MASKED
    assert resolve_result("dispatcher") == {"result": RESULT, "outcome": "fixed"}


def test_the_case_page_and_its_timeline_are_masked_for_the_unit(demo, api):
    case, _ = resolved(demo, api)

    unit_page = page("unitmember").get(f"/cases/{case.reference}/").content.decode()
    for private in ("13812345678", "110101199003071234"):
        assert private not in unit_page
    assert DESCRIPTION_MASKED in unit_page
    assert unit_page.count(RESULT_MASKED) == 2  # what was done, and the resolve in the timeline

    dispatcher_page = page("dispatcher").get(f"/cases/{case.reference}/").content.decode()
    assert DESCRIPTION in dispatcher_page
    assert dispatcher_page.count(RESULT) == 2


def test_case_lists_show_a_masked_excerpt(demo):
    case = filed(demo)

    for username, url in [("gridworker", "/grid/"), ("supervisor", "/cases/")]:
        html = page(username).get(url).content.decode()
        assert case.reference in html, username
        for private in PRIVATE:
            assert private not in html, (username, private)
        assert "138****5678" in html
    dispatcher_queue = page("dispatcher").get("/dispatch/").content.decode()
    assert "13812345678" in dispatcher_queue and "李明反映" in dispatcher_queue


def test_the_consultation_page_masks_the_case_for_the_parties(demo):
    case = case_move(filed(demo), *demo.steps_to("consultation"))
    url = f"/consultations/{consultation_of(case).pk}/"

    party = page("party_committee").get(url)
    assert party.status_code == 200
    html = party.content.decode()
    for private in PRIVATE:
        assert private not in html, private
    assert DESCRIPTION_MASKED in html
    inbox = page("party_committee").get("/consultations/").content.decode()
    assert case.reference in inbox and "13812345678" not in inbox
    assert DESCRIPTION in page("dispatcher").get(url).content.decode()
