"""Health for load balancers, process supervisors and the start script
(docs/operations.md#health): `/healthz` says the process answers, `/readyz` that it can serve
(200) or not (503), with each check's figures as JSON; `/metrics` for Prometheus."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from ..metrics import exposition
from ..services.health import UNAVAILABLE, readiness


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    report = readiness()
    return JsonResponse(
        {"status": report["status"], "checks": report["checks"]},
        status=503 if report["status"] == UNAVAILABLE else 200,
    )


# A proxy in front names the original client in one of these: then the request is not local.
FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


@never_cache
@require_GET
def metrics(request):
    """Prometheus's scrape (docs/operations.md#metrics): with METRICS_TOKEN set, for
    `Authorization: Bearer <token>`; without, only from this machine, not through a proxy,
    where METRICS_LOCAL_SCRAPES allows it (not in production)."""
    if not _may_scrape(request):
        return HttpResponseForbidden("metrics: set METRICS_TOKEN, or scrape from this machine\n")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _may_scrape(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        return constant_time_compare(sent, f"Bearer {token}")
    local = request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")
    return (
        settings.METRICS_LOCAL_SCRAPES
        and local
        and not any(header in request.META for header in FORWARDED)
    )
