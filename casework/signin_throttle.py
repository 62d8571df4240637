"""Password guessing, slowed at both sign-in doors (README "Sign-in").

django-axes records every failed sign-in (the login page and POST /api/v1/auth/token/ both
call `authenticate()` with the request) and refuses further attempts for a cool-off. Axes
applies one failure limit to every lockout parameter; a street office signs in from one NAT
address, so the address gets a larger allowance than an account: one clumsy colleague locks
only their own account, while a guesser trying many accounts from one address is stopped.
"""

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

API_PREFIX = "/api/"


class SigninBackend(AxesStandaloneBackend):
    """Axes' lockout check for every sign-in that comes with a request (both doors pass it).
    One without a request (the test client's login(), a shell) has no client address to
    count, so it goes straight to the password check instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class SigninAttempts(AxesDatabaseHandler):
    """Axes' database handler with an allowance per account and one per address.

    `get_failures` answers how far the nearer allowance is exceeded, so axes' own comparison
    with AXES_FAILURE_LIMIT = 1 locks as soon as either is (one query)."""

    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        totals = {"address": Sum("failures_since_start", filter=Q(ip_address=request.axes_ip_address))}
        if username:
            totals["account"] = Sum("failures_since_start", filter=Q(username=username))
        counts = AccessAttempt.objects.filter(
            attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(**totals)
        return max(
            (counts["address"] or 0) - settings.SIGNIN_ADDRESS_FAILURES,
            (counts.get("account") or 0) - settings.SIGNIN_ACCOUNT_FAILURES,
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A sign-in clears its own account's failures only: one colleague's success must not
        # wipe what a guesser has run up from the same address.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def client_address(request) -> str | None:
    """The address attempts are counted by: the peer, or behind a proxy the header it sets
    (RATELIMIT_IP_META_KEY, the one django-ratelimit reads, so every limit agrees)."""
    key = settings.RATELIMIT_IP_META_KEY or "REMOTE_ADDR"
    # X-Forwarded-For lists every hop; only the last was written by our own proxy.
    value = request.META.get(key, "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        # A header the proxy did not set (or no proxy): the peer is all we know.
        return request.META.get("REMOTE_ADDR") or None


def lockout_message() -> str:
    minutes = settings.SIGNIN_LOCK_MINUTES
    return ngettext(
        "Too many failed sign-in attempts for this account or from this network. "
        "Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts for this account or from this network. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """429 in the door's own language: the API's error JSON, or a page for people."""
    detail = lockout_message()
    if request.path.startswith(API_PREFIX):
        response = JsonResponse(
            {"error": "locked_out", "detail": detail, "fields": {}},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(request, "registration/locked_out.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(settings.SIGNIN_LOCK_MINUTES * 60)
    return response
