"""The monthly report pages (docs/evaluation.md#reading): the list of periods, one period with its
charts and sortable tables, and its CSV/XLSX exports. Scope comes from the selectors."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workflows.evaluation_rules import Period, PeriodError

from .. import evaluation_selectors
from ..errors import NotFound
from ..evaluation_exports import report_csv, report_xlsx
from .access import staff_page
from .evaluation_charts import breaches_by_kind, rates_over_months, units_ranked

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(value: str) -> str:
    try:
        return str(Period.parse(value))
    except PeriodError as exc:
        raise NotFound() from exc


@require_GET
@staff_page("evaluation-list")
def evaluation_list(request, actor):
    return render(
        request,
        "casework/evaluation_list.html",
        {"periods": evaluation_selectors.evaluation_periods(actor=actor)},
    )


@require_GET
@staff_page("evaluation-list")
def evaluation_report(request, actor, period):
    period = _period(period)
    report = evaluation_selectors.evaluation_report_get(actor=actor, period=period)
    history = evaluation_selectors.evaluation_history(actor=actor, period=period)
    periods = evaluation_selectors.evaluation_periods(actor=actor)
    index = periods.index(period)
    context = {
        "report": report,
        "totals": report["totals"],
        "tables": [
            (name, report[name]) for name in ("communities", "grids", "units", "categories")
            if report[name]
        ],
        "chart_rates": rates_over_months(history) if history else "",
        "chart_units": units_ranked(report["units"]) if report["units"] else "",
        "chart_breaches": breaches_by_kind(report["totals"]) if report["totals"] else "",
        "newer": periods[index - 1] if index > 0 else None,
        "older": periods[index + 1] if index + 1 < len(periods) else None,
    }
    return render(request, "casework/evaluation_report.html", context)


@require_GET
@staff_page("evaluation-list")
def evaluation_export(request, actor, period, fmt):
    if fmt not in ("csv", "xlsx"):
        raise NotFound()
    period = _period(period)
    report = evaluation_selectors.evaluation_report_get(actor=actor, period=period)
    if fmt == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(report_xlsx(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{period}.{fmt}"'
    return response
