from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import breaches, views

router = DefaultRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("grids", views.GridViewSet, basename="grid")
router.register("units", views.UnitViewSet, basename="unit")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("breaches", breaches.BreachViewSet, basename="breach")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
