"""The case page's extension requests (docs/extensions.md): the unit asks, the approver
grants or refuses. Each view calls one service and shows the case page again."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors
from ..errors import Conflict, Invalid
from ..forms import ExtensionAskForm
from ..services.extensions import extension_approve, extension_ask, extension_refuse
from .access import staff_page
from .pages import case_page


@require_POST
@staff_page()
def extension_ask_page(request, actor, reference):
    case = selectors.case_get(actor=actor, reference=reference)
    try:
        extension_ask(
            actor=actor, reference=reference, data=ExtensionAskForm.payload_from(request.POST)
        )
    except Conflict as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        return case_page(request, actor, case, error=exc.detail, status=409)
    except Invalid as exc:
        failed = ("ask", request.POST, exc.fields)
        return case_page(request, actor, case, error=exc.detail, extension_failed=failed, status=400)
    messages.success(request, _("More time asked for: the approver has been told."))
    return redirect("case-detail", reference=reference)


def _decided(request, actor, extension_id, decide, **kwargs):
    extension = selectors.extension_get(actor=actor, extension_id=extension_id)
    reference = extension.case.reference
    try:
        decide(actor=actor, extension_id=extension.pk, **kwargs)
    except Conflict as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        return None, case_page(request, actor, case, error=exc.detail, status=409)
    except Invalid as exc:
        case = selectors.case_get(actor=actor, reference=reference)
        failed = (extension.pk, request.POST, exc.fields)
        return None, case_page(
            request, actor, case, error=exc.detail, extension_failed=failed, status=400
        )
    return reference, None


@require_POST
@staff_page()
def extension_approve_page(request, actor, extension_id):
    reference, page = _decided(request, actor, extension_id, extension_approve)
    if page is not None:
        return page
    messages.success(request, _("More time granted: the resolve due date has moved."))
    return redirect("case-detail", reference=reference)


@require_POST
@staff_page()
def extension_refuse_page(request, actor, extension_id):
    reference, page = _decided(
        request, actor, extension_id, extension_refuse, data={"reason": request.POST.get("reason", "")}
    )
    if page is not None:
        return page
    messages.success(request, _("The request for more time was refused."))
    return redirect("case-detail", reference=reference)
