"""The API's router: no `.json`-style format suffixes (every answer is JSON; a suffix on an
action only reached it as an unexpected argument), and every viewset states what its ids
look like, so "١" (which Python's int() reads as 1) or a 40-digit number never reach a
lookup."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.routers import DefaultRouter

ID_PATTERN = "[0-9]{1,18}"  # fits a 64-bit column


class ApiRouter(DefaultRouter):
    include_format_suffixes = False

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if not hasattr(viewset, "lookup_value_regex"):
            raise ImproperlyConfigured(f"{viewset.__name__} must set lookup_value_regex.")
        return super().get_lookup_regex(viewset, lookup_prefix)
