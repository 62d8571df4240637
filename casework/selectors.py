"""Reads with access built in: nobody gets a case outside their scope."""

from django.db.models import Q, QuerySet

from workflows.actors import Actor

from .errors import NotFound
from .models import Case


def case_scope_q(actor: Actor) -> Q:
    if actor.is_superuser:
        return Q()
    scope = Q(pk__in=[])
    if actor.grids:
        scope |= Q(grid_id__in=actor.grids)
    communities = (
        actor.dispatch_communities
        | actor.supervised_communities
        | {community for community, _party in actor.party_seats}
    )
    if communities:
        scope |= Q(community_id__in=communities)
    if actor.units:
        scope |= Q(unit_id__in=actor.units)
    return scope


def case_list(*, actor: Actor) -> QuerySet[Case]:
    return (
        Case.objects.filter(case_scope_q(actor))
        .select_related("grid", "community", "category", "unit", "duplicate_of")
        .order_by("-created_at", "-id")
    )


def case_get(*, actor: Actor, reference: str) -> Case:
    case = case_list(actor=actor).filter(reference=reference).first()
    if case is None:
        raise NotFound()
    return case
