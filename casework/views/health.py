"""Health for load balancers, process supervisors and the start script
(docs/operations.md#health): `/healthz` says the process answers, `/readyz` that it can serve
(200) or not (503), with each check's figures as JSON."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..services.health import readiness


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    report = readiness()
    return JsonResponse(
        {"status": "ok" if report["ok"] else "unavailable", "checks": report["checks"]},
        status=200 if report["ok"] else 503,
    )
