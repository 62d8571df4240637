from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from casework.door_errors import api_not_found
from casework.views import health

from . import api_docs, security_txt

urlpatterns = [
    path("api/v1/", include("casework.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs.swagger_ui, name="api-docs"),
    path("api/redoc/", api_docs.redoc, name="api-redoc"),
    re_path(r"^api/", api_not_found),
    path(".well-known/security.txt", security_txt.security_txt, name="security-txt"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("open311/v2/", include("casework.open311.urls")),
    path("", include("casework.resident_urls")),
    path("", include("casework.urls")),
]

handler500 = "casework.door_errors.server_error"
