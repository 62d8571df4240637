"""The vote count of docs/consultation.md#tally as a pure function: ballots in, outcome out, no
database."""

import pytest

from workflows.ballot_tally import (
    ALL_ABSTAINED,
    MAJORITY,
    NO_MAJORITY,
    NO_QUORUM,
    TIE_BROKEN,
    tally,
)
from workflows.consultation_states import ABSTAIN, PARTIES

PC, RC, DEPT, LOCAL, PROP, OWNERS = PARTIES
A, B, C = 101, 102, 103


def test_quorum_met_with_four_of_six_parties():
    result = tally({PC: A, RC: A, DEPT: A, LOCAL: B}, quorum=4)
    assert result.quorum_met and result.voted == 4
    assert (result.winner, result.reason) == (A, MAJORITY)


def test_quorum_not_met_with_three_of_six_even_if_unanimous():
    result = tally({PC: A, RC: A, DEPT: A}, quorum=4)
    assert not result.quorum_met
    assert (result.winner, result.reason) == (None, NO_QUORUM)


def test_abstentions_count_towards_the_quorum():
    result = tally({PC: A, RC: ABSTAIN, DEPT: ABSTAIN, LOCAL: ABSTAIN}, quorum=4)
    assert result.quorum_met
    assert (result.winner, result.reason) == (A, MAJORITY)  # 1 of 1 ballot cast for a plan


def test_the_quorum_is_a_setting():
    ballots = {PC: A, RC: A, DEPT: B}
    assert tally(ballots, quorum=3).winner == A
    assert tally(ballots, quorum=5).reason == NO_QUORUM


def test_clear_majority_of_the_non_abstaining_ballots_wins():
    result = tally({PC: B, RC: A, DEPT: A, LOCAL: A, PROP: ABSTAIN, OWNERS: B}, quorum=4)
    assert result.counts == {A: 3, B: 2} and result.abstentions == 1
    assert (result.winner, result.reason) == (A, MAJORITY)


def test_most_votes_without_more_than_half_is_no_winner():
    result = tally({PC: A, RC: A, DEPT: B, LOCAL: C}, quorum=4)  # 2 of 4 is not more than half
    assert (result.winner, result.reason) == (None, NO_MAJORITY)


def test_tie_is_broken_by_the_party_committee_when_its_option_is_among_the_tied():
    result = tally({PC: B, RC: A, DEPT: A, LOCAL: B}, quorum=4)
    assert (result.winner, result.reason) == (B, TIE_BROKEN)


def test_three_way_tie_is_broken_by_the_party_committee_too():
    result = tally({PC: C, RC: A, DEPT: B, LOCAL: ABSTAIN, PROP: ABSTAIN}, quorum=4)
    assert (result.winner, result.reason) == (C, TIE_BROKEN)


def test_tie_not_involving_the_party_committee_goes_to_the_supervisor():
    result = tally({PC: C, RC: A, DEPT: A, LOCAL: B, PROP: B}, quorum=4)
    assert (result.winner, result.reason) == (None, NO_MAJORITY)


def test_tie_while_the_party_committee_abstains_goes_to_the_supervisor():
    result = tally({PC: ABSTAIN, RC: A, DEPT: A, LOCAL: B, PROP: B}, quorum=4)
    assert (result.winner, result.reason) == (None, NO_MAJORITY)


def test_tie_while_the_party_committee_did_not_vote_goes_to_the_supervisor():
    result = tally({RC: A, DEPT: A, LOCAL: B, PROP: B}, quorum=4)
    assert (result.winner, result.reason) == (None, NO_MAJORITY)


def test_all_abstain_goes_to_the_supervisor():
    result = tally({party: ABSTAIN for party in PARTIES}, quorum=4)
    assert result.counts == {} and result.abstentions == 6
    assert (result.winner, result.reason) == (None, ALL_ABSTAINED)


def test_no_ballots_at_all_has_no_quorum():
    result = tally({}, quorum=4)
    assert (result.voted, result.winner, result.reason) == (0, None, NO_QUORUM)


@pytest.mark.parametrize("winner_votes", [4, 5, 6])
def test_unanimity_and_large_majorities_win(winner_votes):
    ballots = {party: A if n < winner_votes else B for n, party in enumerate(PARTIES)}
    assert tally(ballots, quorum=4).winner == A


def test_tally_as_json_names_counts_by_option_id():
    result = tally({PC: A, RC: A, DEPT: B, LOCAL: ABSTAIN}, quorum=4)
    assert result.as_json() == {
        "counts": {str(A): 2, str(B): 1},
        "abstain": 1,
        "voted": 4,
        "quorum": 4,
        "quorum_met": True,
        "reason": MAJORITY,
    }


def test_party_codes_match_the_organisation_model():
    from casework.models import Party

    assert list(PARTIES) == list(Party.values)
