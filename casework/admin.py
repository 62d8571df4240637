"""Admin for reference data. Cases and their events are shown read-only: a case's state
changes only through the services, so the admin never edits, adds or deletes them. The same
holds for SLA timers, breaches and notifications; the one thing an operator does to timers,
retrying an incident, is an admin action that calls the service."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .actors import actor_for_user
from .phone import phone_masked
from .models import (
    CalendarOverride,
    Case,
    CaseEvent,
    Category,
    Community,
    Consultation,
    ConsultationOption,
    Extension,
    Grid,
    Membership,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    ResidentDataExport,
    SlaBreach,
    SlaPolicy,
    SlaTimer,
    Street,
    Summons,
    Unit,
    Urge,
)
from .selectors import case_scope_q
from .calendar import overrides_forget
from .services.sla_timers import policies_forget, timer_retry


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class GridInline(admin.TabularInline):
    model = Grid
    extra = 0
    fields = ["code", "name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "street"]
    list_filter = ["street"]
    search_fields = ["code", "name"]
    list_select_related = ["street"]
    inlines = [GridInline]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community"]
    list_filter = ["community"]
    search_fields = ["code", "name"]
    list_select_related = ["community"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "street", "is_active"]
    list_filter = ["kind", "is_active", "street", "communities"]
    search_fields = ["code", "name"]
    list_select_related = ["street"]
    filter_horizontal = ["communities"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "party", "grid", "community", "unit", "street"]
    list_filter = ["role", "party", "community", "unit", "street"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "grid", "community", "unit", "street"]
    autocomplete_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: state changes go through casework.services, which also write the log."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["seq", "transition", "from_state", "to_state", "actor", "at", "payload"]
    readonly_fields = fields
    ordering = ["seq"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "state", "community", "grid", "unit", "created_at"]
    list_filter = ["state", "urgency", "difficulty", "channel", "community", "unit"]
    search_fields = ["reference", "title"]
    list_select_related = ["community", "grid", "unit"]
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]

    def get_queryset(self, request):
        # Staff see the cases their memberships cover, as on the pages.
        return super().get_queryset(request).filter(case_scope_q(actor_for_user(request.user)))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if actor_for_user(request.user).sees_phone_numbers(obj.community_id if obj else None):
            return fields
        # Residents' phone numbers are for dispatchers only (docs/privacy.md).
        return [f for f in fields if f != "reporter_phone"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "seq", "transition", "from_state", "to_state", "actor", "at"]
    list_filter = ["transition", "to_state"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        actor = actor_for_user(request.user)
        cases = Case.objects.filter(case_scope_q(actor))
        return super().get_queryset(request).filter(case__in=cases)


class ConsultationOptionInline(admin.TabularInline):
    model = ConsultationOption
    extra = 0
    can_delete = False
    fields = ["position", "text", "unit"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    """Six-party consultations (docs/consultation.md); their steps run only through the services."""

    list_display = ["case", "mode", "state", "opened_at", "closes_at", "closed_at", "decided_at"]
    list_filter = ["state", "mode"]
    search_fields = ["case__reference"]
    list_select_related = ["case"]
    date_hierarchy = "opened_at"
    inlines = [ConsultationOptionInline]

    def get_queryset(self, request):
        actor = actor_for_user(request.user)
        cases = Case.objects.filter(case_scope_q(actor))
        return super().get_queryset(request).filter(case__in=cases)


# ---------------------------------------------------------------- SLA (docs/sla.md)


class ForgetsCachedRules:
    """Clocks read policies and calendar overrides through a short-lived cache; drop this
    process's copy at once (others pick a change up within SLA_POLICY_CACHE_SECONDS). A
    change applies to clocks started afterwards, never to running ones."""

    forget = staticmethod(lambda: None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.forget()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self.forget()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self.forget()


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ForgetsCachedRules, admin.ModelAdmin):
    list_display = ["kind", "category", "urgency", "difficulty", "amount", "unit"]
    list_editable = ["amount", "unit"]
    list_filter = ["kind", "urgency", "difficulty"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]
    forget = staticmethod(policies_forget)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ForgetsCachedRules, admin.ModelAdmin):
    forget = staticmethod(overrides_forget)
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"


def _cases_in_scope(request):
    return Case.objects.filter(case_scope_q(actor_for_user(request.user)))


@admin.register(SlaTimer)
class SlaTimerAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "kind",
        "state",
        "unit",
        "started_at",
        "due_at",
        "next_check_at",
        "attempts",
    ]
    # State first: incidents are what an operator comes here for.
    list_filter = ["state", "kind", "unit"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "unit"]
    date_hierarchy = "due_at"
    actions = ["retry"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=_cases_in_scope(request))

    def has_retry_permission(self, request):
        return request.user.has_perm("casework.change_slatimer")

    @admin.action(
        description=_("Retry selected incident timers"),
        permissions=["retry"],
    )
    def retry(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        revived = timer_retry(timer_ids=selected)
        self.message_user(
            request,
            ngettext(
                "%(count)d timer handed back to the sweep.",
                "%(count)d timers handed back to the sweep.",
                revived,
            )
            % {"count": revived},
            messages.SUCCESS if revived else messages.WARNING,
        )
        if revived < len(selected):
            self.message_user(
                request,
                _(
                    "%(count)d left as they were: not incidents, or their case already has an "
                    "open clock of the same kind."
                )
                % {"count": len(selected) - revived},
                messages.WARNING,
            )


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "kind",
        "unit",
        "grid",
        "due_at",
        "breached_at",
        "acknowledged_at",
        "acknowledged_by",
    ]
    list_filter = ["kind", ("acknowledged_at", admin.EmptyFieldListFilter), "community", "unit"]
    search_fields = ["case__reference", "comment"]
    list_select_related = ["case", "unit", "grid", "acknowledged_by"]
    date_hierarchy = "breached_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=_cases_in_scope(request))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "case", "message", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "case__reference", "message"]
    list_select_related = ["user", "case"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # People's inboxes: the superuser sees all, other staff only their own.
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(user=request.user)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    """The outbox (docs/notifications.md#outbox): what is waiting, sent, or failed for good."""

    list_display = [
        "created_at", "notification__user", "channel", "status", "attempts",
        "next_attempt_at", "sent_at", "last_error",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["notification__user__username", "notification__case__reference"]
    list_select_related = ["notification__user"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(notification__user=request.user)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Changed by each person on their own page; here for support, with the phone masked
    (docs/privacy.md#staff-phones)."""

    list_display = ["user", "channels", "masked_phone", "quiet_start", "quiet_end", "updated_at"]
    fields = ["user", "channels", "masked_phone", "quiet_start", "quiet_end", "updated_at"]
    readonly_fields = fields
    list_select_related = ["user"]
    search_fields = ["user__username"]

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return phone_masked(obj.phone)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(user=request.user)


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    """Requests for more time (docs/extensions.md), read only: asking and deciding go
    through casework.services.extensions, which move the clock and write the log."""

    list_display = ["case", "unit", "state", "asked_at", "due_before", "due_at", "decided_at"]
    list_filter = ["state"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "unit"]
    date_hierarchy = "asked_at"


@admin.register(Urge)
class UrgeAdmin(ReadOnlyAdmin):
    """Supervisors' urges (docs/urges.md), read only: urging and replying go through
    casework.services.urges, which run the urge clock and write the log."""

    list_display = ["case", "unit", "state", "urged_by", "urged_at", "reply_by", "answered_at"]
    list_filter = ["state"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "unit", "urged_by"]
    date_hierarchy = "urged_at"
@admin.register(Summons)
class SummonsAdmin(ReadOnlyAdmin):
    """Units summoned to cases (docs/summons.md), read only: summoning, check-in and parts
    go through casework.services.summons, which write the log."""

    list_display = ["case", "unit", "role", "origin", "summoned_at", "due_at", "checked_in_at"]
    list_filter = ["role", "origin"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "unit"]
    date_hierarchy = "summoned_at"


@admin.register(ResidentDataExport)
class ResidentDataExportAdmin(ReadOnlyAdmin):
    """The audit of residents' data exports (docs/privacy.md#export): superusers see every
    export, other staff their own. Search by the masked number; the hash finds one number's
    every export."""

    list_display = ["at", "actor", "door", "phone_masked", "cases", "events", "intakes"]
    list_filter = ["door"]
    search_fields = ["actor__username", "phone_masked", "phone_hash"]
    list_select_related = ["actor"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(actor=request.user)


# The residents' doors (Open311 keys, service attributes, intakes) register themselves.
from .open311 import admin as _open311_admin  # noqa: E402, F401
# viewflow's process and task lists, with Chinese column headings.
from . import viewflow_admin as _viewflow_admin  # noqa: E402, F401

admin.site.site_header = _("Casework administration")
admin.site.site_title = _("Casework administration")
admin.site.index_title = _("Records and settings")
