"""The staff page for a resident's request to see their data (docs/privacy.md#export): a
form that posts the phone number and answers with the JSON download the API gives."""

import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..errors import Invalid
from ..forms import ResidentExportForm
from ..models import ResidentDataExport
from ..ratelimit import resident_export_over_limit, retry_after_seconds
from ..services.resident_export import resident_data_export
from .access import staff_page


def _page(request, form, *, error="", status=200):
    return render(
        request, "casework/resident_export.html", {"form": form, "error": error}, status=status
    )


@require_http_methods(["GET", "POST"])
@staff_page("resident-export")
def resident_export(request, actor):
    if request.method != "POST":
        return _page(request, ResidentExportForm())
    if resident_export_over_limit(request):
        response = _page(
            request,
            ResidentExportForm(),
            error=_("Too many exports; please try again later."),
            status=429,
        )
        response["Retry-After"] = str(retry_after_seconds(settings.RESIDENT_EXPORT_RATE))
        return response
    try:
        export = resident_data_export(
            actor=actor, phone=request.POST.get("phone", ""), door=ResidentDataExport.Door.PAGE
        )
    except Invalid as exc:
        form = ResidentExportForm(request.POST, service_errors=exc.fields)
        return _page(request, form, error=exc.detail, status=400)
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="resident-data.json"'
    return response
