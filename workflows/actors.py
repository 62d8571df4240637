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
    # The residents' doors (public form, Open311): file a case into the grid the door located.
    is_public_intake: bool = False
    # A resident holding a case's private follow link: may rate that one case, nothing else.
    resident_case_id: int | None = None

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
        """Dispatchers read reporters' phones in their own communities
        (docs/architecture.md#organisation: never globally). Without a community: whether they may
        in any community."""
        if self.is_superuser:
            return True
        if community_id is None:
            return self.is_dispatcher
        return community_id in self.dispatch_communities


SYSTEM = Actor(is_system=True)
PUBLIC_INTAKE = Actor(is_public_intake=True)


def resident_of(case_id: int) -> Actor:
    """The resident who filed case `case_id`, as proved by its follow token."""
    return Actor(resident_case_id=case_id)
