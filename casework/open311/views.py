"""The Open311 door: parse, find the key, call one read or the residents' service, render.

Every endpoint answers in the format its URL ends with (`.json` or `.xml`); errors are the
spec's `[{"code", "description"}]` (errors/error in XML) with 400, 403, 404, 405 or 429.
POST takes form fields and an `api_key`; reads are open to anyone.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from workflows.case_states import Channel

from .. import resident_selectors as selectors
from ..errors import Invalid, NotFound
from ..ratelimit import open311_post_over_limit, retry_after_seconds
from ..services.resident import resident_case_file
from .renderers import JSON, XML, open311_errors, open311_response
from .serializers import (
    FilterError,
    answers_from_post,
    discovery_out,
    error_descriptions,
    report_from_post,
    request_created_out,
    request_filters,
    request_out,
    service_definition_out,
    service_out,
)


def _only(request, fmt, *methods):
    if request.method not in methods:
        response = open311_errors(
            fmt, 405, [_("Use %(methods)s here.") % {"methods": " or ".join(methods)}]
        )
        response["Allow"] = ", ".join(methods)
        return response
    return None


def _not_found(fmt, what):
    return open311_errors(fmt, 404, [what])


def discovery(request, fmt):
    if refused := _only(request, fmt, "GET", "HEAD"):
        return refused
    data = discovery_out(
        url=request.build_absolute_uri(reverse("open311-root")),
        contact=settings.OPEN311_CONTACT,
        key_service=settings.OPEN311_KEY_SERVICE,
    )
    return open311_response(fmt, data, root="discovery")


def services(request, fmt):
    if refused := _only(request, fmt, "GET", "HEAD"):
        return refused
    data = [service_out(category) for category in selectors.services_list()]
    return open311_response(fmt, data, root="services")


def service_definition(request, code, fmt):
    if refused := _only(request, fmt, "GET", "HEAD"):
        return refused
    try:
        category = selectors.service_get(code)
    except NotFound:
        return _not_found(fmt, _("There is no service “%(code)s”.") % {"code": code})
    return open311_response(fmt, service_definition_out(category), root="service_definition")


@csrf_exempt  # a key in the form, not a session cookie, authorises a POST
def requests(request, fmt):
    if refused := _only(request, fmt, "GET", "HEAD", "POST"):
        return refused
    if request.method == "POST":
        return _request_create(request, fmt)
    try:
        filters = request_filters(request.GET, now=timezone.now())
    except FilterError as exc:
        return open311_errors(fmt, 400, [str(exc)])
    cases = selectors.public_case_search(**filters, limit=settings.OPEN311_REQUESTS_MAX)
    return open311_response(fmt, [request_out(case) for case in cases], root="service_requests")


def _request_create(request, fmt):
    raw_key = request.POST.get("api_key", "").strip()
    if not raw_key:
        return open311_errors(fmt, 403, [_("api_key is required to create a request.")])
    key = selectors.api_key_find(raw_key)
    if key is None:
        return open311_errors(
            fmt, 403, [_("Invalid api_key received -- can't proceed with create_request.")]
        )
    if open311_post_over_limit(request, api_key_id=key.pk):
        response = open311_errors(
            fmt, 429, [_("Too many requests with this api_key; try again later.")]
        )
        response["Retry-After"] = str(retry_after_seconds(settings.OPEN311_POST_RATE))
        return response
    try:
        case, token = resident_case_file(
            channel=Channel.OPEN311,
            data=report_from_post(request.POST),
            answers=answers_from_post(request.POST),
            api_key=key,
        )
    except Invalid as exc:
        return open311_errors(fmt, 400, error_descriptions(exc.fields) or [str(exc.detail)])
    data = [request_created_out(case, token=token, account_id=request.POST.get("account_id", ""))]
    return open311_response(fmt, data, root="service_requests", status=201)


def request_detail(request, reference, fmt):
    if refused := _only(request, fmt, "GET", "HEAD"):
        return refused
    try:
        case = selectors.public_case_get(reference)
    except NotFound:
        return _not_found(fmt, _("There is no request “%(id)s”.") % {"id": reference})
    return open311_response(fmt, [request_out(case)], root="service_requests")


def token_detail(request, token, fmt):
    if refused := _only(request, fmt, "GET", "HEAD"):
        return refused
    try:
        intake = selectors.intake_by_token(token)
    except NotFound:
        return _not_found(fmt, _("There is no request for this token."))
    data = [{"service_request_id": intake.case.reference, "token": token}]
    return open311_response(fmt, data, root="service_requests")


def unknown(request, path=""):
    fmt = XML if path.endswith(".xml") else JSON
    return _not_found(fmt, _("There is no such Open311 endpoint."))
