"""Admin for reference data. Cases and their events are shown read-only: a case's state
changes only through the services, so the admin never edits, adds or deletes them."""

from django.contrib import admin

from .actors import actor_for_user
from .models import Case, CaseEvent, Category, Community, Grid, Membership, Street, Unit
from .selectors import case_scope_q


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
        # Residents' phone numbers are for dispatchers only (DESIGN.md §7).
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
