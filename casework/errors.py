"""Domain errors are data: a code, a translatable message and, for bad input, the fields."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    default_detail = _("The request could not be carried out.")

    def __init__(self, detail=None, *, code: str | None = None, fields: dict | None = None):
        self.detail = detail if detail is not None else self.default_detail
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.detail))


class NotFound(DomainError):
    code = "not_found"
    default_detail = _("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    default_detail = _("You are not allowed to do this.")


class Conflict(DomainError):
    code = "conflict"
    default_detail = _("The case has changed; reload it and try again.")


class Invalid(DomainError):
    code = "invalid"
    default_detail = _("Some fields are not valid.")
