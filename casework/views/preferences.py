"""A signed-in person's own notification preferences, on a page made for a phone
(docs/notifications.md#preferences). Only ever the requesting user's: no id in the URL."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..errors import Invalid
from ..forms import NotificationPreferenceForm
from ..services.notification_preferences import (
    notification_preference_get,
    notification_preference_update,
)
from .access import staff_page

TEMPLATE = "casework/notification_preferences.html"


@require_http_methods(["GET", "POST"])
@staff_page()
def notification_preferences(request, actor):
    if request.method != "POST":
        preference = notification_preference_get(user=request.user)
        form = NotificationPreferenceForm(
            initial={
                "channels": preference.channels,
                "phone": preference.phone,
                "wechat_openid": preference.wechat_openid,
                "quiet_start": preference.quiet_start,
                "quiet_end": preference.quiet_end,
            }
        )
        return render(request, TEMPLATE, {"form": form})
    try:
        notification_preference_update(
            user=request.user, data=NotificationPreferenceForm.data_from(request.POST)
        )
    except Invalid as exc:
        form = NotificationPreferenceForm(request.POST, service_errors=exc.fields)
        return render(request, TEMPLATE, {"form": form, "error": exc.detail}, status=400)
    messages.success(request, _("Your notification preferences are saved."))
    return redirect("notification-preferences")
