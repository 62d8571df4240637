"""Refuse hostile input before any door reads it (casework.input_guard)."""

import json

from django.core.exceptions import RequestDataTooBig
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .door_errors import error_response
from .input_guard import HostileInput, control_character_in, json_loads

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class HostileInputMiddleware:
    """Control characters in the address, the query, a form's fields or the credentials,
    and JSON bodies that are too deep or hold numbers no column can take, get a 400 in the
    door's own format; nothing behind it runs, whichever view (ours or a library's) would
    have parsed the body. Malformed JSON passes on to the view's own parse error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            problem = self._problem(request)
        except RequestDataTooBig:
            return error_response(
                request, 413, code="too_large", detail=_("The request body is too large.")
            )
        if isinstance(problem, HostileInput) and problem.field is not None:
            return error_response(
                request,
                400,
                code="invalid",
                detail=_("Some fields are not valid."),
                fields={problem.field: [str(problem)]},
            )
        if problem:
            return error_response(request, 400, code="invalid_input", detail=str(problem))
        return self.get_response(request)

    def _problem(self, request) -> str | HostileInput | None:
        if control_character_in(request.path):
            return _("The address holds control characters.")
        if control_character_in(request.META.get("HTTP_AUTHORIZATION", "")):
            return _("The credentials hold control characters.")
        for key, values in request.GET.lists():
            if control_character_in(key) or any(control_character_in(v) for v in values):
                return _("The query holds control characters.")
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if request.content_type == "application/json" or request.content_type.endswith("+json"):
            try:
                json_loads(request.body.decode(request.encoding or "utf-8"))
            except HostileInput as exc:
                return exc
            except (json.JSONDecodeError, UnicodeDecodeError):
                pass
        elif request.content_type in FORM_TYPES:
            try:
                form = request.POST
            except MultiPartParserError:
                return _("The form could not be read.")
            for key, values in form.lists():
                if control_character_in(key) or any(
                    control_character_in(v, multiline=True) for v in values
                ):
                    return _("The form holds control characters.")
        return None
