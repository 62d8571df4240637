from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import breaches, consultations, evaluations, views

router = DefaultRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("grids", views.GridViewSet, basename="grid")
router.register("units", views.UnitViewSet, basename="unit")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("breaches", breaches.BreachViewSet, basename="breach")
router.register("consultations", consultations.ConsultationViewSet, basename="consultation")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path(
        "evaluations/<str:period>/",
        evaluations.EvaluationReportView.as_view(),
        name="evaluation-report",
    ),
    path("", include(router.urls)),
]
