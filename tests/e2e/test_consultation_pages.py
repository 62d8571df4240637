"""The consultation's pages through Django's test client (docs/consultation.md#interfaces): the
party representative's inbox, the consultation page with its ballot, results and minutes, the
dispatcher's page and the escalate form, the supervisor's undecided list and decision."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from casework.models import Ballot, Case, Consultation, SlaTimer
from casework.services.ballots import ballot_cast
from casework.services.sla_sweep import sla_sweep
from tests.factories import Demo, actor_of, case_move, consultation_of, vote_close_now
from workflows.consultation_states import PARTIES

pytestmark = pytest.mark.django_db

PC, RC, DEPT, LOCAL, PROP, OWNERS = PARTIES


@pytest.fixture
def demo(street) -> Demo:
    return Demo()


@pytest.fixture
def voting(demo):
    case = demo.case_in("consultation")
    consultation = consultation_of(case)
    return case, consultation, list(consultation.options.order_by("position"))


def vote(demo, consultation, party, option):
    choice = "abstain" if option == "abstain" else str(option.pk)
    return ballot_cast(actor=actor_of(demo.user(party)), consultation_id=consultation.pk, data={"option": choice})


def page_of(consultation) -> str:
    return f"/consultations/{consultation.pk}/"


# ---------------------------------------------------------------- menus and lists


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("party_committee", "consultation-inbox"),
        ("dispatcher", "consultation-convene"),
        ("supervisor", "consultation-undecided"),
    ],
)
def test_each_role_finds_its_consultation_page_in_the_menu(page_client, username, page):
    menu = [p.url_name for p in page_client(username).get("/cases/").context["nav_pages"]]
    assert page in menu


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("gridworker", "/consultations/"),
        ("unitmember", "/consultations/convene/"),
        ("party_committee", "/consultations/undecided/"),
        ("dispatcher", "/consultations/undecided/"),
    ],
)
def test_consultation_lists_are_for_their_roles(page_client, username, page):
    assert page_client(username).get(page).status_code == 403


def test_representatives_inbox_lists_open_votes_and_whether_their_party_voted(demo, page_client, voting):
    _case, consultation, (_a, _b) = voting
    other = consultation_of(demo.case_in("consultation"))
    vote(demo, other, PC, other.options.first())

    response = page_client(PC).get("/consultations/")

    assert response.status_code == 200
    cards = {c.pk: c.my_parties_voted for c in response.context["open_votes"]}
    assert cards == {consultation.pk: False, other.pk: True}
    body = response.content.decode()
    assert f'href="{page_of(consultation)}"' in body
    assert 'data-voted="no"' in body and 'data-voted="yes"' in body


def test_closed_votes_move_to_the_closed_list(demo, page_client, voting):
    case, consultation, (_a, _b) = voting
    vote_close_now(case)

    response = page_client(RC).get("/consultations/")

    assert list(response.context["open_votes"]) == []
    assert [c.pk for c in response.context["closed"]] == [consultation.pk]


def test_dispatchers_page_lists_hard_cases_and_consultations_under_way(demo, page_client, voting):
    _case, consultation, _options = voting
    hard = case_move(
        demo.case_in("collected"),
        (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
    )
    demo.case_in("classified")  # a small matter: not a candidate

    response = page_client("dispatcher").get("/consultations/convene/")

    assert [c.reference for c in response.context["candidates"]] == [hard.reference]
    assert [c.pk for c in response.context["consultations"]] == [consultation.pk]


def test_supervisors_page_lists_undecided_consultations(demo, page_client, voting):
    undecided = demo.case_in("consultation_undecided")

    response = page_client("supervisor").get("/consultations/undecided/")

    assert [c.case_id for c in response.context["consultations"]] == [undecided.pk]


# ---------------------------------------------------------------- the consultation page


def test_the_page_shows_the_case_options_who_voted_and_the_countdown(demo, page_client, voting):
    case, consultation, (a, b) = voting
    vote(demo, consultation, RC, a)

    response = page_client(PC).get(page_of(consultation))

    assert response.status_code == 200
    body = response.content.decode()
    assert case.title in body and a.text in body and b.text in body
    assert 'data-party="residents_committee" data-voted="yes"' in body
    assert 'data-party="party_committee" data-voted="no"' in body
    assert "left to vote" in body and "data-closes-at" in body
    assert 'data-ballot-form="party_committee"' in body
    assert "data-results" not in body  # nobody reads ballots before the close
    assert "data-ballot>" not in body


def test_a_representative_votes_and_changes_the_ballot_on_the_page(demo, page_client, voting):
    _case, consultation, (a, _b) = voting
    client = page_client(PC)

    first = client.post(f"{page_of(consultation)}ballot/", {"party": PC, "option": str(a.pk)}, follow=True)
    assert "Your party&#x27;s ballot is recorded." in first.content.decode()
    assert "data-my-ballot" in first.content.decode()
    client.post(f"{page_of(consultation)}ballot/", {"party": PC, "option": "abstain"})

    only = Ballot.objects.get(consultation=consultation)
    assert (only.party, only.option) == (PC, None)


def test_a_ballot_posted_after_the_close_is_refused_on_the_page(demo, page_client, voting):
    case, consultation, (a, _b) = voting
    client = page_client(PC)
    client.get(page_of(consultation))  # the form was on the page …
    vote_close_now(case)  # … when the vote closed

    response = client.post(f"{page_of(consultation)}ballot/", {"party": PC, "option": str(a.pk)})

    assert response.status_code == 409
    assert "The vote has closed" in response.content.decode()
    assert not Ballot.objects.exists()


def test_the_results_show_the_tally_and_each_partys_ballot_to_members(demo, page_client, voting):
    _case, consultation, (a, b) = voting
    for party, option in zip(PARTIES, [a, a, a, b, "abstain", b], strict=True):
        vote(demo, consultation, party, option)

    response = page_client(OWNERS).get(page_of(consultation))

    body = response.content.decode()
    assert "data-results" in body
    assert f'data-result="{a.pk}" data-votes="3" data-won="yes"' in body
    assert f'data-result="{b.pk}" data-votes="2" data-won="no"' in body
    assert 'data-result="abstain" data-votes="1"' in body
    rows = {row.code: row.ballot for row in response.context["parties"]}
    assert rows == {PC: a.text, RC: a.text, DEPT: a.text, LOCAL: b.text, PROP: "Abstain", OWNERS: b.text}
    assert "ballot-form" not in body  # closed: nothing to cast


def test_people_outside_the_six_parties_see_no_ballots(demo, page_client, voting):
    case, consultation, (a, _b) = voting
    vote(demo, consultation, PC, a)
    vote_close_now(case)

    body = page_client("gridworker").get(page_of(consultation)).content.decode()

    assert "data-results" not in body and "data-ballot>" not in body
    assert "open to the six parties" in body


def test_a_consultation_outside_the_users_scope_is_404(demo, page_client, voting):
    _case, consultation, _options = voting
    assert page_client("outsider").get(page_of(consultation)).status_code == 404
    assert page_client(PC).get("/consultations/999999/").status_code == 404


# ---------------------------------------------------------------- the case's timeline


def test_the_case_timeline_keeps_ballots_secret_until_the_results_are_open(demo, page_client, voting):
    case, consultation, (_a, b) = voting
    vote(demo, consultation, PC, b)

    def ballot_details(username):
        response = page_client(username).get(f"/cases/{case.reference}/")
        entries = [e for e in response.context["timeline"] if e.transition == "ballot"]
        return [{str(label): str(value) for label, value in e.details} for e in entries]

    assert ballot_details(RC) == [{"Party": "Community Party committee"}]
    vote_close_now(case)
    assert ballot_details(RC) == [{"Party": "Community Party committee", "Option": b.text}]
    assert ballot_details("gridworker") == [{"Party": "Community Party committee"}]


# ---------------------------------------------------------------- opening and deciding


def test_the_dispatcher_opens_a_consultation_from_the_case_page(demo, page_client):
    case = case_move(
        demo.case_in("collected"),
        (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
    )
    client = page_client("dispatcher")
    page = client.get(f"/cases/{case.reference}/")
    escalate = next(f for f in page.context["transition_forms"] if f.transition == "escalate")
    assert escalate["mode"].value() == "hall"  # a hard matter goes to the hall

    response = client.post(
        f"/cases/{case.reference}/transitions/escalate/",
        {
            "version": case.version,
            "mode": "hall",
            "place": "社区议事厅",
            "starts_at": "2026-12-03T19:00",
            "option_1": "物业清运",
            "option_1_unit": "",
            "option_2": "城管执法",
            "option_2_unit": demo.unit("dept-urban").pk,
            "option_3": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    consultation = Consultation.objects.get(case=case)
    assert (consultation.state, consultation.place) == ("voting", "社区议事厅")
    assert timezone.localtime(consultation.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-12-03 19:00"
    assert [(o.text, o.unit_id) for o in consultation.options.all()] == [
        ("物业清运", None),
        ("城管执法", demo.unit("dept-urban").pk),
    ]
    page = response.content.decode()
    assert f'data-consultation-link="{consultation.pk}"' in page
    # The case links to the consultation it has; "Open the consultation" (发起会商) is the
    # escalate button's label.
    link = page[page.index("data-consultation-link"):]
    assert "View the consultation" in link[:link.index("</section>")]
    assert "Open the consultation" not in page


def test_the_escalate_form_shows_what_is_missing(demo, page_client):
    case = demo.case_in("classified")

    response = page_client("dispatcher").post(
        f"/cases/{case.reference}/transitions/escalate/",
        {"version": case.version, "mode": "on_site", "option_1": "现场协调"},
    )

    assert response.status_code == 400
    form = next(f for f in response.context["transition_forms"] if f.transition == "escalate")
    assert {"place", "starts_at"} <= set(form.errors)
    assert Case.objects.get(pk=case.pk).state == "classified"


def test_the_supervisor_decides_an_undecided_consultation_on_its_page(demo, page_client):
    case = demo.case_in("consultation_undecided")
    consultation = consultation_of(case)
    urban_plan = consultation.options.get(unit__isnull=False)
    client = page_client("supervisor")

    page = client.get(page_of(consultation))
    assert page.context["decide_form"] is not None
    assert page_client("dispatcher").get(page_of(consultation)).context["decide_form"] is None

    response = client.post(
        f"/cases/{case.reference}/transitions/decide/",
        {"version": case.version, "option": urban_plan.pk},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.unit) == ("handling", demo.unit("dept-urban"))
    after = client.get(page_of(consultation)).content.decode()
    assert "The supervisor decided" in after and urban_plan.text in after


def test_the_supervisor_is_offered_no_decision_while_the_parties_still_vote(demo, page_client, voting):
    _case, consultation, _options = voting
    page = page_client("supervisor").get(page_of(consultation))

    assert page.status_code == 200
    assert page.context["decide_form"] is None


def test_the_dispatcher_writes_the_options_of_a_consultation_the_sla_engine_opened(demo, page_client):
    case = case_move(
        demo.case_in("collected"),
        (demo.user("dispatcher"), "classify", demo.classify_payload(difficulty="hard")),
        (demo.user("unitmember"), "accept", {}),
    )
    sla_sweep(now=SlaTimer.objects.get(case=case, kind="resolve").due_at)
    consultation = consultation_of(case)
    client = page_client("dispatcher")
    assert client.get(page_of(consultation)).context["options_form"] is not None

    missing = client.post(f"{page_of(consultation)}options/", {"option_1": "限期整改"})
    assert missing.status_code == 400
    response = client.post(
        f"{page_of(consultation)}options/",
        {"option_1": "限期整改", "place": "议事厅", "starts_at": "2026-12-10T19:00"},
    )

    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.state == "voting" and consultation.options.count() == 1


def test_minutes_with_attendance_after_an_on_site_meeting(demo, page_client):
    starts = timezone.now() + timedelta(hours=1)
    case = case_move(
        demo.case_in("classified"),
        (
            demo.user("dispatcher"),
            "escalate",
            demo.escalate_payload(mode="on_site", place="7号楼", starts_at=starts.isoformat()),
        ),
    )
    consultation = consultation_of(case)
    client = page_client("dispatcher")
    assert client.get(page_of(consultation)).context["minutes_form"] is None  # not held yet

    with time_machine.travel(starts + timedelta(hours=1)):
        assert client.get(page_of(consultation)).context["minutes_form"] is not None
        client.post(
            f"{page_of(consultation)}minutes/",
            {"minutes": "六方到场。", "present": [PC, RC, PROP]},
        )
        body = client.get(page_of(consultation)).content.decode()

    consultation.refresh_from_db()
    assert consultation.minutes == "六方到场。"
    assert {p for p, here in consultation.attendance.items() if here} == {PC, RC, PROP}
    assert 'data-party="property" data-voted="no"' in body and 'data-present="yes"' in body
