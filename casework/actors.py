"""Build the rules' view of a user from their memberships."""

from workflows.actors import Actor

from .models import Community, Membership, Role


def actor_for_user(user) -> Actor:
    if user is None or not user.is_authenticated:
        return Actor()
    cached = getattr(user, "_casework_actor", None)
    if cached is not None:
        return cached
    grids, dispatch, units, seats, streets = set(), set(), set(), set(), set()
    for m in Membership.objects.filter(user=user).only(
        "role", "grid_id", "community_id", "unit_id", "street_id", "party"
    ):
        match m.role:
            case Role.GRID_WORKER:
                grids.add(m.grid_id)
            case Role.DISPATCHER:
                dispatch.add(m.community_id)
            case Role.UNIT_MEMBER:
                units.add(m.unit_id)
            case Role.PARTY_REPRESENTATIVE:
                seats.add((m.community_id, m.party))
            case Role.SUPERVISOR:
                streets.add(m.street_id)
    supervised = (
        set(Community.objects.filter(street_id__in=streets).values_list("id", flat=True))
        if streets
        else set()
    )
    actor = Actor(
        user_id=user.pk,
        grids=frozenset(grids),
        dispatch_communities=frozenset(dispatch),
        units=frozenset(units),
        party_seats=frozenset(seats),
        supervised_communities=frozenset(supervised),
        is_superuser=user.is_superuser,
    )
    user._casework_actor = actor
    return actor
