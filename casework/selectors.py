"""Reads with access built in: nobody gets a case outside their scope."""

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.db.models.functions import Coalesce

from workflows.actors import Actor
from workflows.case_states import Difficulty, State
from workflows.consultation_access import may_see_results
from workflows.consultation_states import ConsultationState

from .case_search import overdue_q
from .errors import Forbidden, NotFound
from .models import (
    Case,
    CaseEvent,
    Category,
    Consultation,
    ConsultationOption,
    Extension,
    Grid,
    Notification,
    SlaBreach,
    Summons,
    SlaTimer,
    Unit,
    Urge,
)


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
        # Co-units summoned to a case see it while their summons stands (docs/summons.md).
        scope |= Q(
            pk__in=Summons.objects.filter(
                unit_id__in=actor.units, role="co", superseded_at__isnull=True
            ).values("case_id")
        )
    return scope


def latest_consultation_id() -> Subquery:
    """The id of a case's latest consultation (None if it was never escalated), to annotate
    as `current_consultation_id`."""
    return Subquery(Consultation.objects.filter(case=OuterRef("pk")).order_by("-id").values("id")[:1])


def case_list(*, actor: Actor) -> QuerySet[Case]:
    """Cases in scope; each carries `open_timers` (running or paused clocks, by due time)
    and `current_consultation_id` (its latest consultation, if it was ever escalated)."""
    return (
        Case.objects.filter(case_scope_q(actor))
        .annotate(current_consultation_id=latest_consultation_id())
        .select_related("grid", "community", "category", "unit", "duplicate_of")
        .prefetch_related(
            Prefetch(
                "timers",
                queryset=SlaTimer.objects.filter(state__in=SlaTimer.OPEN_STATES).order_by("due_at"),
                to_attr="open_timers",
            )
        )
        .order_by("-created_at", "-id")
    )


def case_get(*, actor: Actor, reference: str) -> Case:
    case = case_list(actor=actor).filter(reference=reference).first()
    if case is None:
        raise NotFound()
    return case


# Work lists behind the staff pages; each narrows `case_list`, so scope stays built in.


def case_grid_list(*, actor: Actor) -> QuerySet[Case]:
    """A grid worker's own grids, newest first."""
    return case_list(actor=actor).filter(grid_id__in=actor.grids)


def case_dispatch_queue(*, actor: Actor) -> QuerySet[Case]:
    """Collected cases waiting for a dispatcher of their community (the page sorts them)."""
    cases = case_list(actor=actor).filter(state=State.COLLECTED)
    if not actor.is_superuser:
        cases = cases.filter(community_id__in=actor.dispatch_communities)
    return cases


def case_unit_inbox(*, actor: Actor) -> QuerySet[Case]:
    """Cases assigned to the actor's units, or to which they are summoned as a co-unit
    (docs/summons.md), still to accept or to handle (the page sorts them)."""
    cases = case_list(actor=actor).filter(state__in=[State.CLASSIFIED, State.HANDLING])
    if not actor.is_superuser:
        co = Summons.objects.filter(
            unit_id__in=actor.units, role="co", superseded_at__isnull=True
        ).values("case_id")
        cases = cases.filter(Q(unit_id__in=actor.units) | Q(pk__in=co))
    return cases


def case_overdue_list(*, actor: Actor) -> QuerySet[Case]:
    """Cases in scope owing a step past its deadline, the longest overdue first."""
    return case_list(actor=actor).filter(overdue_q())


def case_filter_choices(*, cases: QuerySet[Case]) -> dict[str, QuerySet]:
    """The categories, grids and units a list's cases have: what its filters offer."""
    ids = cases.order_by()
    return {
        "categories": Category.objects.filter(pk__in=ids.values("category_id"))
        .select_related("parent").order_by("code"),
        "grids": Grid.objects.filter(pk__in=ids.values("grid_id")).order_by("name"),
        "units": Unit.objects.filter(pk__in=ids.values("unit_id")).order_by("name"),
    }


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("seq")


def grids_for_intake(*, actor: Actor) -> QuerySet[Grid]:
    """The grids the actor may file cases for (mirrors `workflows.case_lifecycle.may_collect`)."""
    grids = Grid.objects.select_related("community")
    if actor.is_superuser:
        return grids
    return grids.filter(Q(pk__in=actor.grids) | Q(community_id__in=actor.dispatch_communities))


def units_for_case(*, case: Case) -> QuerySet[Unit]:
    """Active units serving the case's community: the ones it may be assigned to."""
    return Unit.objects.filter(is_active=True, communities=case.community_id)


def categories_active() -> QuerySet[Category]:
    """Active categories, each top-level one followed by its children."""
    return (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by(Coalesce("parent__code", "code"), F("parent").asc(nulls_first=True), "code")
    )


# SLA breaches: the street's supervisors review them (docs/sla.md#breaches).


def breach_list(*, actor: Actor) -> QuerySet[SlaBreach]:
    if not (actor.is_supervisor or actor.is_superuser):
        raise Forbidden(_("Only the street's supervisors review breaches."))
    breaches = SlaBreach.objects.select_related("case", "unit", "grid", "acknowledged_by")
    if not actor.is_superuser:
        breaches = breaches.filter(community_id__in=actor.supervised_communities)
    return breaches.order_by("-breached_at", "-id")


def breach_counts_by_unit(breaches: QuerySet[SlaBreach]) -> list[dict]:
    """Open and acknowledged breaches per unit, most open first."""
    return list(
        breaches.order_by()
        .values("unit_id", "unit__name")
        .annotate(
            open=Count("id", filter=Q(acknowledged_at__isnull=True)),
            acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        )
        .order_by("-open", "unit__name")
    )


def timer_incident_list(*, actor: Actor) -> QuerySet[SlaTimer]:
    """Timers the sweep gave up on, for the supervisors of their cases' communities."""
    if not (actor.is_supervisor or actor.is_superuser):
        raise Forbidden(_("Only the street's supervisors review breaches."))
    timers = SlaTimer.objects.filter(state=SlaTimer.State.INCIDENT).select_related("case", "unit")
    if not actor.is_superuser:
        timers = timers.filter(case__community_id__in=actor.supervised_communities)
    return timers.order_by("due_at", "id")


def units_supervised(*, actor: Actor) -> QuerySet[Unit]:
    """Units serving the communities the actor supervises (the breach board's unit choices)."""
    units = Unit.objects.all()
    if not actor.is_superuser:
        units = units.filter(communities__in=actor.supervised_communities).distinct()
    return units.order_by("name", "id")


def grids_supervised(*, actor: Actor) -> QuerySet[Grid]:
    grids = Grid.objects.select_related("community")
    if not actor.is_superuser:
        grids = grids.filter(community_id__in=actor.supervised_communities)
    return grids.order_by("community__code", "code")


# A case's clocks, for its page; the case itself was read through `case_get`, with scope.


def case_timers(*, case: Case) -> QuerySet[SlaTimer]:
    """Every clock the case has had (running, paused, stopped, breached), oldest first."""
    return case.timers.select_related("unit").order_by("started_at", "id")


def case_breaches(*, case: Case) -> QuerySet[SlaBreach]:
    return case.breaches.select_related("unit", "acknowledged_by").order_by("breached_at", "id")


# Notifications: each person's own inbox.


def notification_list(*, user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(user=user)
        .select_related("case")
        .order_by("-created_at", "-id")
    )


def notification_unread_count(*, user) -> int:
    """One COUNT over the partial index of unread rows; runs on every page (the menu)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# The six-party consultation (docs/consultation.md#secrecy). Anyone who sees the case sees its
# consultation (options, who has voted); ballots and tally only once closed, and only for its
# members.


def consultation_list(*, actor: Actor) -> QuerySet[Consultation]:
    cases = Case.objects.filter(case_scope_q(actor)).values("pk")
    return (
        Consultation.objects.filter(case__in=cases)
        .select_related("case", "case__community", "case__grid", "outcome", "decided_option")
        .prefetch_related(
            Prefetch("options", queryset=ConsultationOption.objects.select_related("unit")),
            "ballots",
        )
        .order_by("-opened_at", "-id")
    )


def consultation_get(*, actor: Actor, consultation_id: int) -> Consultation:
    consultation = consultation_list(actor=actor).filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound()
    return consultation


def consultation_vote_inbox(*, actor: Actor) -> QuerySet[Consultation]:
    """Votes open in the communities where the actor represents a party, closing first first."""
    communities = {community for community, _party in actor.party_seats}
    return (
        consultation_list(actor=actor)
        .filter(state=ConsultationState.VOTING, case__community_id__in=communities)
        .order_by(F("closes_at").asc(nulls_last=True), "id")
    )


def consultation_closed_for_member(*, actor: Actor, limit: int = 20) -> QuerySet[Consultation]:
    """The latest closed votes of the actor's communities: their results are open to them."""
    communities = {community for community, _party in actor.party_seats}
    return (
        consultation_list(actor=actor)
        .filter(closed_at__isnull=False, case__community_id__in=communities)
        .order_by("-closed_at", "-id")[:limit]
    )


def consultation_convene_list(*, actor: Actor) -> QuerySet[Consultation]:
    """Consultations the dispatcher convened that are not settled yet: options to write,
    votes running, or waiting for the supervisor."""
    consultations = consultation_list(actor=actor).filter(case__state=State.CONSULTATION)
    if not actor.is_superuser:
        consultations = consultations.filter(case__community_id__in=actor.dispatch_communities)
    return consultations.order_by("opened_at", "id")


def case_escalation_candidates(*, actor: Actor) -> QuerySet[Case]:
    """Hard cases of the dispatcher's communities that may go to a consultation."""
    cases = case_list(actor=actor).filter(
        difficulty=Difficulty.HARD, state__in=[State.CLASSIFIED, State.HANDLING]
    )
    if not actor.is_superuser:
        cases = cases.filter(community_id__in=actor.dispatch_communities)
    return cases.order_by("created_at", "id")


def consultation_undecided_list(*, actor: Actor) -> QuerySet[Consultation]:
    """Votes that ended without a winner and wait for the supervisor's decision."""
    if not (actor.is_supervisor or actor.is_superuser):
        raise Forbidden(_("Only the street's supervisors decide consultations."))
    consultations = consultation_list(actor=actor).filter(
        state=ConsultationState.UNDECIDED, decided_at__isnull=True
    )
    if not actor.is_superuser:
        consultations = consultations.filter(case__community_id__in=actor.supervised_communities)
    return consultations.order_by("closed_at", "id")


def consultation_results_visible(*, actor: Actor, consultation: Consultation) -> bool:
    return consultation.is_closed and may_see_results(actor, consultation.case.community_id)


def consultations_with_secret_ballots(*, actor: Actor, case: Case) -> set[int]:
    """The case's consultations whose ballots this actor may not read yet (or at all)."""
    sees = may_see_results(actor, case.community_id)
    return {
        pk
        for pk, closed_at in case.consultations.values_list("pk", "closed_at")
        if closed_at is None or not sees
    }


def case_extensions(*, actor: Actor, reference: str):
    """A case's extension requests (docs/extensions.md), oldest first; 404 outside scope."""
    case = case_get(actor=actor, reference=reference)
    return case, extensions_of(case=case)


def extensions_of(*, case: Case) -> list[Extension]:
    """The extension requests of a case already found in scope."""
    return list(
        Extension.objects.filter(case=case).select_related("case", "asked_by", "decided_by", "unit")
    )


def extension_get(*, actor: Actor, extension_id: int) -> Extension:
    extension = (
        Extension.objects.filter(pk=extension_id, case__in=Case.objects.filter(case_scope_q(actor)))
        .select_related("case", "asked_by", "decided_by", "unit")
        .first()
    )
    if extension is None:
        raise NotFound()
    return extension


def case_urges(*, actor: Actor, reference: str):
    """A case's urges (docs/urges.md), oldest first; 404 outside scope."""
    case = case_get(actor=actor, reference=reference)
    return case, urges_of(case=case)


def urges_of(*, case: Case) -> list[Urge]:
    """The urges of a case already found in scope."""
    return list(
        Urge.objects.filter(case=case).select_related("case", "urged_by", "answered_by", "unit")
    )


def urge_get(*, actor: Actor, urge_id: int) -> Urge:
    urge = (
        Urge.objects.filter(pk=urge_id, case__in=Case.objects.filter(case_scope_q(actor)))
        .select_related("case", "urged_by", "answered_by", "unit")
        .first()
    )
    if urge is None:
        raise NotFound()
    return urge
def summons_of(*, case: Case) -> list[Summons]:
    """The current summons of a case already found in scope (docs/summons.md): the lead
    first, then the co-units in the order they were named."""
    summonses = Summons.objects.filter(case=case, superseded_at__isnull=True).select_related(
        "case", "unit", "checked_in_by", "part_closed_by"
    )
    return sorted(summonses, key=lambda summons: (summons.role != "lead", summons.pk))


def case_summons(*, actor: Actor, reference: str):
    """A case's current summons; 404 outside scope."""
    case = case_get(actor=actor, reference=reference)
    return case, summons_of(case=case)
