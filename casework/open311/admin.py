"""Admin for the residents' doors: API keys (revoked, never edited; created with
`manage.py create_api_key`), the services' extra questions, and the intakes (read-only)."""

from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..actors import actor_for_user
from ..models import ApiKey, Case, PublicIntake, ServiceAttribute
from ..selectors import case_scope_q
from ..services.resident import api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", *readonly_fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the key is shown once, by `manage.py create_api_key --name …`

    def has_delete_permission(self, request, obj=None):
        return False  # requests keep pointing at the key that filed them

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        count = api_key_revoke(key_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "description", "datatype", "required", "order"]
    list_filter = ["datatype", "required", "category__parent"]
    search_fields = ["code", "description", "category__code", "category__name"]
    list_select_related = ["category"]


@admin.register(PublicIntake)
class PublicIntakeAdmin(admin.ModelAdmin):
    list_display = ["case", "api_key", "created_at"]
    list_select_related = ["case", "api_key"]
    search_fields = ["case__reference"]
    list_filter = ["api_key"]
    exclude = ["follow_token_hash", "photo"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["photo_link"]

    @admin.display(description=_("photo"))
    def photo_link(self, intake):
        # Photos are not under a public MEDIA_URL: link the scope-checked staff view.
        if not intake.photo:
            return "—"
        url = reverse("case-photo", args=[intake.case.reference])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Open the photo"))

    def get_queryset(self, request):
        # Staff see the intakes of the cases their memberships cover, as on the pages.
        cases = Case.objects.filter(case_scope_q(actor_for_user(request.user)))
        return super().get_queryset(request).filter(case__in=cases)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
