from django.urls import path

from .views import pages, sla

urlpatterns = [
    path("", pages.home, name="home"),
    path("grid/", pages.my_grid, name="my-grid"),
    path("dispatch/", pages.dispatch_queue, name="dispatch-queue"),
    path("inbox/", pages.unit_inbox, name="unit-inbox"),
    path("cases/", pages.case_list, name="case-list"),
    path("breaches/", sla.breach_board, name="breach-board"),
    path(
        "breaches/<int:breach_id>/acknowledge/",
        sla.breach_acknowledge_run,
        name="breach-acknowledge",
    ),
    path("notifications/", sla.notifications, name="notifications"),
    path("notifications/read/", sla.notifications_read, name="notifications-read"),
    # Before <reference>/ so "new" is never read as a reference.
    path("cases/new/", pages.case_new, name="case-new"),
    path("cases/<str:reference>/", pages.case_detail, name="case-detail"),
    path(
        "cases/<str:reference>/transitions/<slug:name>/",
        pages.case_transition_run,
        name="case-transition",
    ),
]
