"""An error answered in the language of the door it came through: the API's JSON
(`{"error", "detail", "fields"}`), Open311's `[{"code", "description"}]`, or a page."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .open311.renderers import JSON, XML, open311_errors

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"
PAGE_TEMPLATES = {400: "400.html", 403: "403.html", 404: "404.html", 500: "500.html"}


def error_response(request, status: int, *, code: str, detail: str, fields: dict | None = None):
    path = request.path
    fields = fields or {}
    if path.startswith(API_PREFIX):
        return JsonResponse(
            {"error": code, "detail": str(detail), "fields": fields},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    if path.startswith(OPEN311_PREFIX):
        lines = [f"{name}: {message}" for name, messages in fields.items() for message in messages]
        return open311_errors(XML if path.endswith(".xml") else JSON, status, lines or [detail])
    template = PAGE_TEMPLATES.get(status, "400.html")
    return render(request, template, {"detail": detail}, status=status)


@csrf_exempt  # a POST to no route is a 404, not a CSRF refusal in HTML
def api_not_found(request, *args, **kwargs):
    """Every /api/ address no route claims: JSON, like the rest of the API."""
    return error_response(
        request, 404, code="not_found", detail=_("There is no such API endpoint.")
    )


def server_error(request, *args, **kwargs):
    return error_response(
        request, 500, code="server_error", detail=_("Something went wrong on our side.")
    )
