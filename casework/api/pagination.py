"""Cursor pages whose cursor a client cannot turn into a server error."""

import binascii
from base64 import b64decode

from django.core.exceptions import ValidationError
from django.db import DataError
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.pagination import CursorPagination


class InvalidCursor(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The page cursor is not valid; start again from the first page.")
    default_code = "invalid_cursor"


class GuardedCursorPagination(CursorPagination):
    """A cursor is base64 of a position taken from the last row shown; a forged one can hold
    any string, which the ordering field's type refuses only when the query is built."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValidationError, ValueError, OverflowError, DataError) as exc:
            raise InvalidCursor() from exc

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            # DRF skips characters outside base64, so "***" would read as the first page.
            b64decode(encoded.encode("ascii"), validate=True)
            return super().decode_cursor(request)
        except (UnicodeEncodeError, binascii.Error, NotFound) as exc:
            raise InvalidCursor() from exc
