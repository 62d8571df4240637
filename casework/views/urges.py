"""The case page's urges (docs/urges.md): the supervisor urges, those urged reply. Each
view calls one service and shows the case page again."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors
from ..errors import Conflict, Invalid
from ..forms import UrgeForm
from ..services.urges import urge_create, urge_reply
from .access import staff_page
from .pages import case_page


@require_POST
@staff_page()
def urge_page(request, actor, reference):
    case = selectors.case_get(actor=actor, reference=reference)
    try:
        urge_create(actor=actor, reference=reference, data=UrgeForm.payload_from(request.POST))
    except Conflict as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        return case_page(request, actor, case, error=exc.detail, status=409)
    except Invalid as exc:
        failed = ("urge", request.POST, exc.fields)
        return case_page(request, actor, case, error=exc.detail, urge_failed=failed, status=400)
    messages.success(request, _("Urged: those who owe the reply have been told."))
    return redirect("case-detail", reference=reference)


@require_POST
@staff_page()
def urge_reply_page(request, actor, urge_id):
    urge = selectors.urge_get(actor=actor, urge_id=urge_id)
    reference = urge.case.reference
    try:
        urge_reply(actor=actor, urge_id=urge.pk, data={"note": request.POST.get("note", "")})
    except Conflict as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        return case_page(request, actor, case, error=exc.detail, status=409)
    except Invalid as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        failed = (urge.pk, request.POST, exc.fields)
        return case_page(request, actor, case, error=exc.detail, urge_failed=failed, status=400)
    messages.success(request, _("Reply sent: the supervisor has been told."))
    return redirect("case-detail", reference=reference)
