"""Who is acting, as the rules see it: a user's memberships reduced to sets of ids."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    grids: frozenset[int] = field(default_factory=frozenset)
    dispatch_communities: frozenset[int] = field(default_factory=frozenset)
    units: frozenset[int] = field(default_factory=frozenset)
    # (community id, party code) for each party representation.
    party_seats: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    supervised_communities: frozenset[int] = field(default_factory=frozenset)
    is_system: bool = False
    is_superuser: bool = False

    @property
    def is_grid_worker(self) -> bool:
        return bool(self.grids)

    @property
    def is_dispatcher(self) -> bool:
        return bool(self.dispatch_communities)

    @property
    def is_unit_member(self) -> bool:
        return bool(self.units)

    @property
    def is_party_representative(self) -> bool:
        return bool(self.party_seats)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervised_communities)

    def sees_phone_numbers(self, community_id: int | None = None) -> bool:
        """Dispatchers read reporters' phones in their own communities (DESIGN.md §2: never
        globally). Without a community: whether they may in any community."""
        if self.is_superuser:
            return True
        if community_id is None:
            return self.is_dispatcher
        return community_id in self.dispatch_communities


SYSTEM = Actor(is_system=True)
