"""Who may run a case transition, and what must hold before it may (docs/states.md).

Permissions take the case and the acting `Actor`; conditions take the case alone. The
transition spec (`workflows.transitions`) names one of each per transition.
"""

from .actors import Actor


def is_dispatcher(case, actor: Actor) -> bool:
    return actor.is_superuser or case.community_id in actor.dispatch_communities


def is_grid_worker_or_dispatcher(case, actor: Actor) -> bool:
    return case.grid_id in actor.grids or is_dispatcher(case, actor)


def is_assigned_unit_member(case, actor: Actor) -> bool:
    return actor.is_superuser or (case.unit_id is not None and case.unit_id in actor.units)


def is_dispatcher_or_system(case, actor: Actor) -> bool:
    return actor.is_system or is_dispatcher(case, actor)


def is_supervisor_or_system(case, actor: Actor) -> bool:
    return (
        actor.is_system or actor.is_superuser or case.community_id in actor.supervised_communities
    )


def may_convene(case, actor: Actor) -> bool:
    """The community's dispatcher convenes; the street's supervisor may too, and so does the
    SLA engine when a hard case misses its resolve deadline."""
    return is_dispatcher(case, actor) or is_supervisor_or_system(case, actor)


def may_summon(case, actor: Actor) -> bool:
    """The community's dispatcher summons (社区吹哨, or on a resident's demand); a street
    supervisor does for the street (街道吹哨) (docs/summons.md)."""
    return is_dispatcher(case, actor) or (
        actor.is_superuser or case.community_id in actor.supervised_communities
    )


def no_open_parts(case) -> bool:
    """No summoned co-unit's part is still open (docs/summons.md#parts). Reads the case's
    summons through its relation: a case never summoned answers from one indexed query."""
    return not case.summons.filter(
        role="co", superseded_at__isnull=True, part_done_at__isnull=True,
        part_closed_at__isnull=True,
    ).exists()


def awaits_decision(case) -> bool:
    return case.consultation_awaits_decision


def is_the_resident(case, actor: Actor) -> bool:
    """The holder of the case's follow link (casework.services.resident)."""
    return actor.resident_case_id is not None and actor.resident_case_id == case.pk


def may_call_back(case, actor: Actor) -> bool:
    """Who records a callback (回访) for a resident who has not rated: the case's grid worker
    (often a visit), the community's dispatcher (the community office makes the calls, and
    only a dispatcher reads the resident's phone number), a superuser."""
    return case.grid_id in actor.grids or is_dispatcher(case, actor)


def is_rater(case, actor: Actor) -> bool:
    return is_the_resident(case, actor) or may_call_back(case, actor)


def has_rating(case) -> bool:
    return bool(case.satisfaction)


def is_unrated(case) -> bool:
    # One rating per round (a reopen starts the next): the resident's own is final, and a
    # callback only stands in for a resident who has not rated.
    return not case.satisfaction


def is_suspended(case) -> bool:
    return case.is_suspended


def is_running(case) -> bool:
    return not case.is_suspended


def may_collect(actor: Actor, *, grid_id: int, community_id: int) -> bool:
    """Grid workers file for their own grid; dispatchers for any grid of their community;
    the residents' doors for the grid they located (casework.services.resident)."""
    return (
        actor.is_superuser
        or actor.is_system
        or actor.is_public_intake
        or grid_id in actor.grids
        or community_id in actor.dispatch_communities
    )
