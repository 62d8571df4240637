"""The signed-in user's own settings: GET/PUT /api/v1/me/notification-preferences/
(docs/notifications.md#preferences). There is no id in the path: nobody reaches another
user's preferences or phone through it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..inputs import NotificationPreferenceInput
from ..models import Channel
from ..services.notification_preferences import (
    notification_preference_get,
    notification_preference_update,
)
from .views import ERRORS, LIST_ERRORS

TIME_FORMAT = "%H:%M"


class NotificationPreferencesOut(serializers.Serializer):
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))
    phone = serializers.CharField(help_text="Mainland mobile, 11 digits; \"\" when none.")
    wechat_openid = serializers.CharField(help_text="The openid under our official account.")
    quiet_start = serializers.TimeField(format=TIME_FORMAT, allow_null=True)
    quiet_end = serializers.TimeField(format=TIME_FORMAT, allow_null=True)
    updated_at = serializers.DateTimeField()


def _out(preference) -> dict:
    return NotificationPreferencesOut(preference).data


class NotificationPreferencesView(APIView):
    @extend_schema(
        summary="Your notification channels, addresses and quiet hours",
        responses={200: NotificationPreferencesOut, 401: LIST_ERRORS[401]},
    )
    def get(self, request):
        return Response(_out(notification_preference_get(user=request.user)))

    @extend_schema(
        summary="Replace your notification channels, addresses and quiet hours",
        request=NotificationPreferenceInput,
        responses={
            200: NotificationPreferencesOut,
            **LIST_ERRORS,
            413: ERRORS[413],
            415: ERRORS[415],
        },
    )
    def put(self, request):
        preference = notification_preference_update(user=request.user, data=request.data)
        return Response(_out(preference))
