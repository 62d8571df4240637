"""Reading frozen evaluation reports, with scope built in (docs/evaluation.md#scope).

Supervisors see their street (its communities, grids, units and categories), dispatchers
their community (its grids, and the units and categories of its cases), unit members their
own unit's row; superusers everything; anyone else is refused. `totals` is the one place
the actor sees (its street, community or unit), or null when they see several.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from workflows.actors import Actor
from workflows.evaluation_rules import ranked

from .errors import Forbidden, NotFound
from .models import Community, EvaluationReport, Unit

LISTS = ("streets", "communities", "grids", "units", "categories")
HISTORY_MONTHS = 12


def may_read_evaluations(actor: Actor) -> bool:
    return actor.is_superuser or actor.is_supervisor or actor.is_dispatcher or actor.is_unit_member


@dataclass(frozen=True)
class Scope:
    streets: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    everything: bool = False


def evaluation_scope(*, actor: Actor) -> Scope:
    """The widest place the actor reads figures for, as codes (the report names by code)."""
    if not may_read_evaluations(actor):
        raise Forbidden(_("Only supervisors, dispatchers and handling units read the figures."))
    if actor.is_superuser:
        return Scope(everything=True)
    if actor.is_supervisor:
        streets = Community.objects.filter(pk__in=actor.supervised_communities)
        return Scope(streets=frozenset(streets.values_list("street__code", flat=True)))
    if actor.is_dispatcher:
        communities = Community.objects.filter(pk__in=actor.dispatch_communities)
        return Scope(communities=frozenset(communities.values_list("code", flat=True)))
    return Scope(units=frozenset(Unit.objects.filter(pk__in=actor.units).values_list("code", flat=True)))


def evaluation_periods(*, actor: Actor) -> list[str]:
    evaluation_scope(actor=actor)
    return list(EvaluationReport.objects.order_by("-period").values_list("period", flat=True))


def evaluation_report_get(*, actor: Actor, period: str) -> dict:
    """The report for `period` as the actor may see it, in the API's shape."""
    scope = evaluation_scope(actor=actor)
    report = EvaluationReport.objects.filter(period=period).first()
    if report is None:
        raise NotFound(_("No evaluation report for %(period)s yet.") % {"period": period})
    return {
        "period": report.period,
        "starts_at": report.starts_at,
        "ends_at": report.ends_at,
        "run_at": report.run_at,
        **scoped_figures(report.figures, scope),
    }


def evaluation_history(*, actor: Actor, period: str) -> list[dict]:
    """The actor's totals for the last HISTORY_MONTHS reports up to `period`, oldest first
    (for the rates-over-months chart)."""
    scope = evaluation_scope(actor=actor)
    reports = (
        EvaluationReport.objects.filter(period__lte=period)
        .order_by("-period")
        .values_list("period", "figures")[:HISTORY_MONTHS]
    )
    history = []
    for name, figures in reversed(list(reports)):
        totals = scoped_figures(figures, scope)["totals"]
        if totals is not None:
            history.append({"period": name, **totals})
    return history


def scoped_figures(figures: dict, scope: Scope) -> dict:
    if scope.everything:
        return {"totals": figures["totals"], **{name: figures[name] for name in LISTS}}
    if scope.streets:
        streets = [r for r in figures["streets"] if r["code"] in scope.streets]
        communities = [r for r in figures["communities"] if r["street"] in scope.streets]
        codes = {r["code"] for r in communities}
        return {
            "totals": _only(streets),
            "streets": streets,
            "communities": communities,
            "grids": ranked(_unranked(r for r in figures["grids"] if r["community"] in codes)),
            "units": [r for r in figures["street_units"] if r["street"] in scope.streets],
            "categories": [r for r in figures["street_categories"] if r["street"] in scope.streets],
        }
    if scope.communities:
        communities = [r for r in figures["communities"] if r["code"] in scope.communities]
        return {
            "totals": _only(communities),
            "streets": [],
            "communities": communities,
            "grids": ranked(
                _unranked(r for r in figures["grids"] if r["community"] in scope.communities)
            ),
            "units": [r for r in figures["community_units"] if r["community"] in scope.communities],
            "categories": [
                r for r in figures["community_categories"] if r["community"] in scope.communities
            ],
        }
    units = [r for r in figures["units"] if r["code"] in scope.units]
    return {
        "totals": _only(units, drop=("code", "name", "rank")),
        "streets": [],
        "communities": [],
        "grids": [],
        "units": units,
        "categories": [],
    }


def _only(rows: list[dict], drop=("code", "name", "street", "community")) -> dict | None:
    """The single place's row as totals (without its name), or None for several."""
    if len(rows) != 1:
        return None
    return {key: value for key, value in rows[0].items() if key not in drop}


def _unranked(rows):
    return [{key: value for key, value in row.items() if key != "rank"} for row in rows]
