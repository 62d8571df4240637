"""The case page's summons (docs/summons.md): a summoned unit checks in and records its
part, the lead closes a co-unit's part. Each view calls one service and shows the case page
again; the summon itself is a transition form (`views.pages.case_transition_run`)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors
from ..errors import Conflict, Invalid, NotFound
from ..models import Case, Summons
from ..services.summons import summons_check_in, summons_part_close, summons_part_done
from .access import staff_page
from .pages import case_page


def _reference(actor, summons_id) -> str:
    reference = (
        Summons.objects.filter(
            pk=summons_id, case__in=Case.objects.filter(selectors.case_scope_q(actor))
        )
        .values_list("case__reference", flat=True)
        .first()
    )
    if reference is None:
        raise NotFound()
    return reference


def _run(request, actor, summons_id, step, key, done_message):
    reference = _reference(actor, summons_id)
    try:
        step(actor=actor, summons_id=summons_id, data={key: request.POST.get(key, "")})
    except Conflict as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        return case_page(request, actor, case, error=exc.detail, status=409)
    except Invalid as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        failed = ((step.__name__, summons_id), request.POST, exc.fields)
        return case_page(request, actor, case, error=exc.detail, summons_failed=failed, status=400)
    messages.success(request, done_message)
    return redirect("case-detail", reference=reference)


@require_POST
@staff_page()
def summons_check_in_page(request, actor, summons_id):
    return _run(
        request, actor, summons_id, summons_check_in, "attendee",
        _("Checked in: the summoning office can see who comes."),
    )


@require_POST
@staff_page()
def summons_part_done_page(request, actor, summons_id):
    return _run(
        request, actor, summons_id, summons_part_done, "note",
        _("Your part is recorded as done: the lead unit has been told."),
    )


@require_POST
@staff_page()
def summons_part_close_page(request, actor, summons_id):
    return _run(
        request, actor, summons_id, summons_part_close, "reason",
        _("The co-unit's part is closed."),
    )
