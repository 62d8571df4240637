"""Count a closed vote (docs/consultation.md#tally), pure: ballots in, outcome out.

- Quorum: ballots (an abstention is a ballot) from at least `quorum` of the six parties.
- The option with more than half of the non-abstaining ballots wins.
- Otherwise, if options tie for the most votes, the Party committee's option wins when it is
  one of them.
- No quorum, or no winner: the supervisor decides.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from .consultation_states import ABSTAIN, TIE_BREAKER

# Why the vote came out as it did.
MAJORITY = "majority"
TIE_BROKEN = "tie_broken"
NO_QUORUM = "no_quorum"
ALL_ABSTAINED = "all_abstained"
NO_MAJORITY = "no_majority"


@dataclass(frozen=True)
class Tally:
    counts: dict[int, int] = field(default_factory=dict)  # option → non-abstaining ballots
    abstentions: int = 0
    voted: int = 0  # parties with a ballot, abstentions included
    quorum: int = 0
    winner: int | None = None
    reason: str = NO_QUORUM

    @property
    def quorum_met(self) -> bool:
        return self.voted >= self.quorum

    def as_json(self) -> dict:
        return {
            "counts": {str(option): n for option, n in sorted(self.counts.items())},
            "abstain": self.abstentions,
            "voted": self.voted,
            "quorum": self.quorum,
            "quorum_met": self.quorum_met,
            "reason": self.reason,
        }


def tally(ballots: Mapping[str, int | str], *, quorum: int) -> Tally:
    """`ballots` maps each party that voted to its option id or `ABSTAIN`."""
    counts = Counter(choice for choice in ballots.values() if choice != ABSTAIN)
    abstentions = sum(1 for choice in ballots.values() if choice == ABSTAIN)
    base = {"counts": dict(counts), "abstentions": abstentions, "voted": len(ballots), "quorum": quorum}
    if len(ballots) < quorum:
        return Tally(**base, reason=NO_QUORUM)
    cast = sum(counts.values())
    if cast == 0:
        return Tally(**base, reason=ALL_ABSTAINED)
    top = max(counts.values())
    leaders = sorted(option for option, n in counts.items() if n == top)
    if len(leaders) == 1 and top * 2 > cast:
        return Tally(**base, winner=leaders[0], reason=MAJORITY)
    if len(leaders) > 1 and ballots.get(TIE_BREAKER) in leaders:
        return Tally(**base, winner=ballots[TIE_BREAKER], reason=TIE_BROKEN)
    return Tally(**base, reason=NO_MAJORITY)
