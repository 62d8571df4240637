"""One resident's data, for their request under 个人信息保护法:
POST /api/v1/resident-data-exports/ {"phone": …} (docs/privacy.md#export, docs/api.md).

POST, so the number stays out of URLs and access logs. The answer is a JSON download."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..actors import actor_for_user
from ..models import ResidentDataExport
from ..ratelimit import resident_export_over_limit, retry_after_seconds
from ..services.resident_export import resident_data_export
from .serializers import ErrorOut
from .views import ERRORS


class ResidentDataExportIn(serializers.Serializer):
    phone = serializers.CharField(
        max_length=40,
        trim_whitespace=True,
        help_text="A mainland mobile or landline, however typed: +86/0086, spaces, dashes, "
        "full-width digits.",
    )


class ExportedEventOut(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    at = serializers.DateTimeField()
    payload = serializers.DictField()


class ExportedIntakeOut(serializers.Serializer):
    created_at = serializers.DateTimeField()
    email = serializers.CharField()
    device_id = serializers.CharField()
    account_id = serializers.CharField()
    media_url = serializers.CharField()
    answers = serializers.ListField(child=serializers.DictField())
    has_photo = serializers.BooleanField()


class ExportedCaseOut(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    channel = serializers.CharField()
    state = serializers.CharField()
    community = serializers.CharField()
    grid = serializers.CharField()
    address = serializers.CharField()
    lat = serializers.CharField(allow_null=True)
    long = serializers.CharField(allow_null=True)
    reporter_name = serializers.CharField()
    reporter_phone = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    urgency = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    resolution = serializers.CharField()
    outcome = serializers.CharField()
    satisfaction = serializers.CharField()
    rating_comment = serializers.CharField()
    rating_source = serializers.CharField()
    reject_reason = serializers.CharField()
    public_consent = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    events = ExportedEventOut(many=True)
    public_intake = ExportedIntakeOut(allow_null=True)


class ResidentDataOut(serializers.Serializer):
    phone = serializers.CharField(help_text="The number as dialled at home, e.g. 13812345678.")
    exported_at = serializers.DateTimeField()
    cases = ExportedCaseOut(many=True)


class ResidentDataExportView(APIView):
    @extend_schema(
        summary="Export everything held about one resident, by phone number (audited)",
        description="Dispatchers get the cases of their communities, superusers all; every "
        "export is recorded (who, when, the number masked and keyed-hashed, how many records).",
        request=ResidentDataExportIn,
        responses={
            200: ResidentDataOut,
            **{code: ERRORS[code] for code in (400, 401, 403, 413, 415)},
            429: OpenApiResponse(
                ErrorOut, description="Too many exports by you; see Retry-After (seconds)."
            ),
        },
    )
    def post(self, request):
        actor = actor_for_user(request.user)
        if actor.sees_phone_numbers() and resident_export_over_limit(request):
            response = Response(
                {"error": "rate_limited", "detail": _("Too many exports; please try again later."),
                 "fields": {}},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(retry_after_seconds(settings.RESIDENT_EXPORT_RATE))
            return response
        data = ResidentDataExportIn(data=request.data)
        data.is_valid(raise_exception=True)
        export = resident_data_export(
            actor=actor, phone=data.validated_data["phone"], door=ResidentDataExport.Door.API
        )
        response = Response(export)
        response["Content-Disposition"] = 'attachment; filename="resident-data.json"'
        return response
