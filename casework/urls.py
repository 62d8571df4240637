from django.urls import path

from .views import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("grid/", pages.my_grid, name="my-grid"),
    path("dispatch/", pages.dispatch_queue, name="dispatch-queue"),
    path("inbox/", pages.unit_inbox, name="unit-inbox"),
    path("cases/", pages.case_list, name="case-list"),
    # Before <reference>/ so "new" is never read as a reference.
    path("cases/new/", pages.case_new, name="case-new"),
    path("cases/<str:reference>/", pages.case_detail, name="case-detail"),
    path(
        "cases/<str:reference>/transitions/<slug:name>/",
        pages.case_transition_run,
        name="case-transition",
    ),
]
