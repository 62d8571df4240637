"""The residents' pages (no login) and the staff's view of a resident's photo."""

from django.urls import path

from .views import public

urlpatterns = [
    path("report/", public.report, name="public-report"),
    path("follow/<str:token>/", public.follow, name="public-follow"),
    path("follow/<str:token>/rate/", public.rate, name="public-rate"),
    path("cases/<str:reference>/photo/", public.case_photo, name="case-photo"),
]
