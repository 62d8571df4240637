from django.urls import path

from .views import (
    consultations,
    evaluations,
    extensions,
    pages,
    preferences,
    resident_exports,
    sla,
    urges,
    summons,
)

urlpatterns = [
    path("", pages.home, name="home"),
    path("grid/", pages.my_grid, name="my-grid"),
    path("dispatch/", pages.dispatch_queue, name="dispatch-queue"),
    path("inbox/", pages.unit_inbox, name="unit-inbox"),
    path("cases/", pages.case_list, name="case-list"),
    path("evaluations/", evaluations.evaluation_list, name="evaluation-list"),
    path(
        "evaluations/<str:period>/", evaluations.evaluation_report, name="evaluation-report"
    ),
    path(
        "evaluations/<str:period>/export.<str:fmt>",
        evaluations.evaluation_export,
        name="evaluation-export",
    ),
    path("breaches/", sla.breach_board, name="breach-board"),
    path(
        "breaches/<int:breach_id>/acknowledge/",
        sla.breach_acknowledge_run,
        name="breach-acknowledge",
    ),
    path("consultations/", consultations.consultation_inbox, name="consultation-inbox"),
    path("consultations/convene/", consultations.consultation_convene, name="consultation-convene"),
    path(
        "consultations/undecided/",
        consultations.consultation_undecided,
        name="consultation-undecided",
    ),
    path(
        "consultations/<int:consultation_id>/",
        consultations.consultation_detail,
        name="consultation-detail",
    ),
    path(
        "consultations/<int:consultation_id>/ballot/",
        consultations.consultation_ballot,
        name="consultation-ballot",
    ),
    path(
        "consultations/<int:consultation_id>/options/",
        consultations.consultation_options,
        name="consultation-options",
    ),
    path(
        "consultations/<int:consultation_id>/minutes/",
        consultations.consultation_minutes,
        name="consultation-minutes",
    ),
    path("notifications/", sla.notifications, name="notifications"),
    path("resident-data/", resident_exports.resident_export, name="resident-export"),
    path("notifications/read/", sla.notifications_read, name="notifications-read"),
    path(
        "notifications/preferences/",
        preferences.notification_preferences,
        name="notification-preferences",
    ),
    # Before <reference>/ so "new" is never read as a reference.
    path("cases/overdue/", pages.case_overdue, name="case-overdue"),
    path("cases/new/", pages.case_new, name="case-new"),
    path("cases/<str:reference>/", pages.case_detail, name="case-detail"),
    path(
        "cases/<str:reference>/transitions/<slug:name>/",
        pages.case_transition_run,
        name="case-transition",
    ),
    path(
        "cases/<str:reference>/extensions/",
        extensions.extension_ask_page,
        name="case-extension-ask",
    ),
    path(
        "extensions/<int:extension_id>/approve/",
        extensions.extension_approve_page,
        name="extension-approve",
    ),
    path(
        "extensions/<int:extension_id>/refuse/",
        extensions.extension_refuse_page,
        name="extension-refuse",
    ),
    path("cases/<str:reference>/urges/", urges.urge_page, name="case-urge"),
    path("urges/<int:urge_id>/reply/", urges.urge_reply_page, name="urge-reply"),
    path(
        "summons/<int:summons_id>/check-in/",
        summons.summons_check_in_page,
        name="summons-check-in",
    ),
    path(
        "summons/<int:summons_id>/part-done/",
        summons.summons_part_done_page,
        name="summons-part-done",
    ),
    path("summons/<int:summons_id>/close/", summons.summons_part_close_page, name="summons-close"),
]
