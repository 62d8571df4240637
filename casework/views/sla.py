"""Staff pages for SLA deadlines (docs/sla.md#breaches): the supervisors' breach board and every
user's notifications inbox. Thin like the other pages: read through selectors, write through
one service call, then redirect."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..errors import Conflict, Invalid
from ..forms import BreachBoardFilter
from ..services.notifications import notification_mark_read
from ..services.sla_breaches import breach_acknowledge
from .access import staff_page
from .paging import query_without_page

PER_PAGE = 50


@require_GET
@staff_page("breach-board")
def breach_board(request, actor):
    board = BreachBoardFilter(
        request.GET,
        queryset=selectors.breach_list(actor=actor),
        units=selectors.units_supervised(actor=actor),
        grids=selectors.grids_supervised(actor=actor),
    )
    valid = board.is_valid()
    breaches = board.qs if valid else board.queryset.none()
    page = Paginator(breaches, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "board": board,
        "page": page,
        "breaches": page.object_list,
        "counts": selectors.breach_counts_by_unit(breaches),
        "incidents": selectors.timer_incident_list(actor=actor),
        "query": query_without_page(request.GET),
        "filtered": any(board.form.cleaned_data.values()) if valid else True,
    }
    return render(request, "casework/breach_board.html", context, status=200 if valid else 400)


@require_POST
@staff_page("breach-board")
def breach_acknowledge_run(request, actor, breach_id):
    try:
        breach = breach_acknowledge(
            actor=actor, breach_id=breach_id, comment=request.POST.get("comment", "")
        )
    except Conflict as exc:
        messages.error(request, exc.detail)
    except Invalid as exc:
        problems = [str(m) for field in exc.fields.values() for m in field] or [str(exc.detail)]
        messages.error(request, " ".join(problems))
    else:
        messages.success(
            request,
            _("The breach of case %(reference)s is acknowledged.")
            % {"reference": breach.case.reference},
        )
    # Back to the board as the supervisor left it: the form's URL carries the filters.
    board = reverse("breach-board")
    return redirect(f"{board}?{request.GET.urlencode()}" if request.GET else board)


@require_GET
@staff_page()
def notifications(request, actor):
    page = Paginator(selectors.notification_list(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "casework/notifications.html",
        {"page": page, "notifications": page.object_list},
    )


@require_POST
@staff_page()
def notifications_read(request, actor):
    marked = notification_mark_read(user=request.user)
    if marked:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                marked,
            )
            % {"count": marked},
        )
    return redirect("notifications")
