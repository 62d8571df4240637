"""What the schema test (test_schemathesis.py) and its review turned up, pinned as plain
examples that hold whatever its seed draws."""

import pytest

from casework.models import Ballot
from casework.services.cases import case_transition
from tests.factories import case_file, case_move, consultation_of, consultation_url
from workflows.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("option", ["²", "١", "99999999999999999999"])
def test_a_ballot_for_an_option_id_that_is_no_ascii_number_is_refused(demo, api, option):
    consultation = consultation_of(demo.case_in("consultation"))
    response = api("residents_committee").post(
        consultation_url(consultation.pk, "ballots/"), {"option": option}
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["option"]
    assert not Ballot.objects.filter(consultation=consultation).exists()


def test_an_options_request_to_a_consultation_writes_nothing(demo, api):
    """The `options` action once shadowed the HTTP OPTIONS handler of every consultation
    address, so an OPTIONS request (a browser's preflight, say) ran the write."""
    dispatcher = demo.user("dispatcher")
    hard = case_move(
        case_file(demo.user("gridworker")),
        (dispatcher, "classify", demo.classify_payload(difficulty="hard")),
        (demo.user("unitmember"), "accept", {}),
    )
    case_transition(
        actor=SYSTEM, case_id=hard.pk, name="escalate", payload={"mode": "online"},
        version=hard.version,
    )
    consultation = consultation_of(hard)
    assert consultation.state == "drafting"

    response = api("dispatcher").options(
        consultation_url(consultation.pk), {"options": ["物业限期清运"]}, format="json"
    )

    assert response.status_code == 200
    consultation.refresh_from_db()
    assert (consultation.state, consultation.options.count()) == ("drafting", 0)
    # The write itself is still where the contract puts it.
    written = api("dispatcher").post(
        consultation_url(consultation.pk, "options/"), {"options": ["物业限期清运"]}
    )
    assert written.status_code == 200, written.content
    assert written.json()["state"] == "voting"
