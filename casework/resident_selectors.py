"""Reads for the residents' doors (Open311 and the public pages).

What the public may see is decided here, once:
- Open311 lists and reads only the cases that came in through the residents' own doors
  (channels `online` and `open311`) and those whose resident agreed to publication when
  staff filed them (`public_consent`); the rest of what staff file from the hall or a
  door-to-door visit stays internal. Reporter names, phones and e-mails, photos and staff
  never leave, and what residents typed is shown with its personal data masked
  (casework.privacy).
- A follow link shows its one case; its timeline keeps the steps a resident can follow
  (filed, assigned, taken on, resolved, rated, closed …) with their times only.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from workflows.case_states import RESIDENT_CHANNELS, State
from workflows.geo import distance_m
from workflows.sla_rules import TimerKind
from workflows.transitions import PUBLIC_EVENTS

from .errors import NotFound
from .models import ApiKey, Case, CaseEvent, Category, Grid, PublicIntake, SlaTimer
from .tokens import secret_hash

# Open311 has two statuses; a case is "closed" once nothing more will be done.
CLOSED_STATES = (State.CLOSED, State.REJECTED)


# ---------------------------------------------------------------- services (categories)


def categories_reportable() -> QuerySet[Category]:
    """The categories a resident reports under (Open311 services): active ones without
    active children, so a report always names the precise kind of concern. Grouped by
    their parent, in code order."""
    leaves = Q(parent__isnull=True) & ~Q(children__is_active=True)
    children = Q(parent__isnull=False, parent__is_active=True)
    return (
        Category.objects.filter(Q(is_active=True) & (leaves | children))
        .select_related("parent")
        .order_by(Coalesce("parent__code", "code"), F("parent").asc(nulls_first=True), "code")
    )


def services_list() -> list[Category]:
    """Reportable categories, each with `has_attributes` for Open311's `metadata`."""
    categories = list(categories_reportable().prefetch_related("service_attributes"))
    for category in categories:
        category.has_attributes = bool(category.service_attributes.all())
    return categories


def service_get(code: str) -> Category:
    category = (
        categories_reportable().filter(code=code).prefetch_related("service_attributes").first()
    )
    if category is None:
        raise NotFound()
    return category


# ---------------------------------------------------------------- API keys


def api_key_find(raw: str) -> ApiKey | None:
    """The live key `raw` names, or None (unknown or revoked: both are a 403)."""
    if not raw:
        return None
    return ApiKey.objects.filter(key_hash=secret_hash(raw), revoked_at__isnull=True).first()


# ---------------------------------------------------------------- where a report lands


def grids_for_residents() -> QuerySet[Grid]:
    """Every grid, by community, for a resident who knows their neighbourhood."""
    return Grid.objects.select_related("community").order_by("community__code", "code")


def grid_default() -> Grid:
    grid = (
        Grid.objects.select_related("community").filter(code=settings.OPEN311_DEFAULT_GRID).first()
    )
    if grid is None:
        raise ImproperlyConfigured(
            f"OPEN311_DEFAULT_GRID is {settings.OPEN311_DEFAULT_GRID!r}, which is no grid's code."
        )
    return grid


def grid_locate(*, grid: Grid | None, lat: float | None, long: float | None) -> Grid:
    """The grid a report belongs to: the one it names (`address_id` = a grid's code); else
    the grid whose circle (centre and radius, set in the admin) holds the point, the nearest
    centre winning where circles overlap; else the default intake grid, whose dispatcher
    passes it on. Grids are a community's handful, so a loop is plenty."""
    if grid is not None:
        return grid
    if lat is not None and long is not None:
        best = None
        circles = Grid.objects.select_related("community").filter(
            centre_lat__isnull=False, centre_long__isnull=False, radius_m__isnull=False
        )
        for candidate in circles:
            distance = distance_m(
                lat, long, float(candidate.centre_lat), float(candidate.centre_long)
            )
            if distance <= candidate.radius_m and (best is None or distance < best[0]):
                best = (distance, candidate)
        if best is not None:
            return best[1]
    return grid_default()


# ---------------------------------------------------------------- the public's view of cases


def public_case_list() -> QuerySet[Case]:
    """Cases the residents' doors filed or whose resident agreed to publication, newest
    first, with what Open311 shows of them: the unit, the running resolve clock
    (`expected_datetime`) and the intake's extras."""
    return (
        Case.objects.filter(Q(channel__in=RESIDENT_CHANNELS) | Q(public_consent=True))
        .select_related("category", "unit", "grid", "community", "public_intake", "duplicate_of")
        .prefetch_related(
            Prefetch(
                "timers",
                queryset=SlaTimer.objects.filter(
                    kind=TimerKind.RESOLVE, state__in=SlaTimer.OPEN_STATES
                ).order_by("due_at"),
                to_attr="open_resolve_timers",
            )
        )
        .order_by("-created_at", "-id")
    )


def public_case_search(
    *, references=(), start=None, end=None, statuses=(), codes=(), limit: int
) -> QuerySet[Case]:
    """Open311's GET requests: by reference (which overrides the rest), else filed between
    `start` and `end`, with an Open311 status and a service code among those given."""
    cases = public_case_list()
    if references:
        return cases.filter(reference__in=list(references))[:limit]
    cases = cases.filter(created_at__gte=start, created_at__lte=end)
    if statuses == {"open"}:
        cases = cases.exclude(state__in=CLOSED_STATES)
    elif statuses == {"closed"}:
        cases = cases.filter(state__in=CLOSED_STATES)
    if codes:
        cases = cases.filter(category__code__in=list(codes))
    return cases[:limit]


def public_case_get(reference: str) -> Case:
    case = public_case_list().filter(reference=reference).first()
    if case is None:
        raise NotFound()
    return case


def expected_at(case: Case):
    """When the case should be resolved: its running or paused resolve clock's due time."""
    timers = getattr(case, "open_resolve_timers", None)
    if timers is None:
        timers = list(
            case.timers.filter(kind=TimerKind.RESOLVE, state__in=SlaTimer.OPEN_STATES).order_by(
                "due_at"
            )
        )
    return timers[0].due_at if timers else None


def is_closed_for_open311(case: Case) -> bool:
    return case.state in CLOSED_STATES


def intake_by_token(token: str) -> PublicIntake:
    """The intake (and its case) a follow link opens; NotFound for any other string."""
    if not token:
        raise NotFound()
    intake = (
        PublicIntake.objects.select_related(
            "case", "case__category", "case__unit", "case__community"
        )
        .filter(follow_token_hash=secret_hash(token))
        .first()
    )
    if intake is None:
        raise NotFound()
    return intake


def resident_may_rate(case: Case) -> bool:
    """The follow link offers the rating once the case is resolved and nobody rated it yet
    (casework.services.resident.resident_rate holds the same rule)."""
    return case.state == State.EVALUATING and not case.satisfaction


def public_events(*, case: Case) -> QuerySet[CaseEvent]:
    """The steps a resident may follow, oldest first; who acted is not read at all."""
    return (
        case.events.filter(transition__in=PUBLIC_EVENTS)
        .only("seq", "transition", "to_state", "at")
        .order_by("seq")
    )


def case_photo(*, case: Case):
    """The resident's photo of a case the caller already read with scope, or None."""
    intake = PublicIntake.objects.filter(case=case).only("photo").first()
    return intake.photo if intake is not None and intake.photo else None
