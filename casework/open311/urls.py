"""GeoReport v2 endpoints; each takes the format as its extension (.json or .xml)."""

from django.urls import path, re_path

from . import views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("", views.unknown, name="open311-root"),
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, views.services, name="open311-services"),
    re_path(r"^services/(?P<code>[\w-]+)" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, views.requests, name="open311-requests"),
    re_path(r"^requests/(?P<reference>[\w-]+)" + FMT, views.request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[\w-]+)" + FMT, views.token_detail, name="open311-token"),
    re_path(r"^(?P<path>.*)$", views.unknown),
]
