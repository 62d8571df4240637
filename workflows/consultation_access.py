"""Who takes part in a community's consultations (docs/consultation.md#parties)."""

from .actors import Actor


def seats_in(actor: Actor, community_id: int) -> set[str]:
    """The parties the actor represents in this community; they vote for these only."""
    return {party for community, party in actor.party_seats if community == community_id}


def may_see_results(actor: Actor, community_id: int) -> bool:
    """Ballots are open once the vote closes: each party's ballot and the tally, for the
    members and the supervisors, and for the dispatchers (community staff) who convened."""
    return (
        actor.is_superuser
        or community_id in actor.supervised_communities
        or community_id in actor.dispatch_communities
        or bool(seats_in(actor, community_id))
    )
