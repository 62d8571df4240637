"""One JSON error shape for the whole API: {"error", "detail", "fields"}."""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound

DOMAIN_STATUS = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Invalid: status.HTTP_400_BAD_REQUEST,
}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        code = DOMAIN_STATUS.get(type(exc), status.HTTP_400_BAD_REQUEST)
        return Response(
            {"error": exc.code, "detail": str(exc.detail), "fields": exc.fields}, status=code
        )
    if isinstance(exc, RequestDataTooBig):
        # Django would answer with its HTML 400 page; API clients read JSON.
        return Response(
            {"error": "too_large", "detail": _("The request body is too large."), "fields": {}},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"error": "invalid", "detail": _("Some fields are not valid."), "fields": fields}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "error": codes if isinstance(codes, str) else "error",
            "detail": str(response.data.get("detail", "")) if isinstance(response.data, dict) else "",
            "fields": {},
        }
    return response
