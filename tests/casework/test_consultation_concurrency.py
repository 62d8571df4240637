"""Two representatives of one party voting at the same instant, through real HTTP against
PostgreSQL (docs/consultation.md#ballots): one ballot row, whatever the interleaving; the other
request is a change of it (or nothing, when both chose the same), never a second ballot."""

from collections import Counter

import pytest

from casework.models import Ballot, Membership, Role
from tests.casework.test_concurrency import _all_at_once, _token
from tests.factories import consultation_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def _deputies(demo, case, party: str, count: int) -> list[str]:
    """`count` more representatives of `party` in the case's community."""
    from django.contrib.auth import get_user_model

    from tests.factories import PASSWORD

    names = []
    for n in range(count):
        user = get_user_model().objects.create_user(f"{party}-deputy-{n}", password=PASSWORD)
        Membership.objects.create(
            user=user, role=Role.PARTY_REPRESENTATIVE, community=case.community, party=party
        )
        names.append(user.username)
    return names


@pytest.mark.parametrize("same_choice", [False, True], ids=["different-options", "same-option"])
def test_two_representatives_of_one_party_voting_at_once_make_one_ballot(live_server, demo, same_choice):
    party = "owners_committee"
    deputy = None
    for _round in range(ROUNDS):
        case = demo.case_in("consultation")
        deputy = deputy or _deputies(demo, case, party, 1)[0]
        consultation = consultation_of(case)
        a, b = consultation.options.order_by("position").values_list("pk", flat=True)
        url = f"/api/v1/consultations/{consultation.pk}/ballots/"
        requests_to_send = [
            (url, _token(live_server, party), {"option": a}),
            (url, _token(live_server, deputy), {"option": a if same_choice else b}),
        ]

        responses = _all_at_once(live_server, requests_to_send)

        statuses = Counter(r.status_code for r in responses)
        assert statuses == {201: 1, 200: 1}, [r.body for r in responses]
        assert Ballot.objects.filter(consultation=consultation, party=party).count() == 1
        events = case.events.filter(transition="ballot")
        assert events.count() == (1 if same_choice else 2)
        assert [e.payload["changed"] for e in events.order_by("seq")] == [False, True][: events.count()]


def test_many_parties_voting_at_once_close_the_vote_exactly_once(live_server, demo):
    """All six parties (and a deputy of each) at the same instant: the Join closes the vote
    once, the case is decided once."""
    case = demo.case_in("consultation")
    consultation = consultation_of(case)
    a = consultation.options.order_by("position").first().pk
    parties = ["party_committee", "residents_committee", "department", "local_unit", "property", "owners_committee"]
    url = f"/api/v1/consultations/{consultation.pk}/ballots/"
    requests_to_send = []
    for party in parties:
        deputy = _deputies(demo, case, party, 1)[0]
        requests_to_send.append((url, _token(live_server, party), {"option": a}))
        requests_to_send.append((url, _token(live_server, deputy), {"option": "abstain"}))

    responses = _all_at_once(live_server, requests_to_send)

    # Each party's first request casts (201); the second changes it (200) if it came in
    # before the sixth party's first ballot closed the vote, else it is refused (409).
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 6 and statuses[200] + statuses[409] == 6, [r.body for r in responses]
    assert {r.body["error"] for r in responses if r.status_code == 409} <= {"vote_closed"}
    consultation.refresh_from_db()
    case.refresh_from_db()
    assert consultation.closed_at is not None
    assert Ballot.objects.filter(consultation=consultation).count() == 6
    assert case.events.filter(transition="vote_closed").count() == 1
    assert case.events.filter(transition="decide").count() <= 1
    assert case.state in {"handling", "consultation"}
