from django.urls import include, path, re_path

from ..door_errors import api_not_found
from . import (
    auth,
    breaches,
    consultations,
    evaluations,
    extensions,
    me,
    resident_exports,
    summons,
    urges,
    views,
)
from .routers import ApiRouter

router = ApiRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("grids", views.GridViewSet, basename="grid")
router.register("units", views.UnitViewSet, basename="unit")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("breaches", breaches.BreachViewSet, basename="breach")
router.register("consultations", consultations.ConsultationViewSet, basename="consultation")
router.register("extensions", extensions.ExtensionViewSet, basename="extension")
router.register("urges", urges.UrgeViewSet, basename="urge")
router.register("summons", summons.SummonsViewSet, basename="summons")

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="api-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="api-logout"),
    path(
        "evaluations/<str:period>/",
        evaluations.EvaluationReportView.as_view(),
        name="evaluation-report",
    ),
    path(
        "me/notification-preferences/",
        me.NotificationPreferencesView.as_view(),
        name="me-notification-preferences",
    ),
    path(
        "resident-data-exports/",
        resident_exports.ResidentDataExportView.as_view(),
        name="resident-data-export",
    ),
    path("", include(router.urls)),
    re_path(r"^", api_not_found),
]
