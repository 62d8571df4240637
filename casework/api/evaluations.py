"""The frozen monthly figures over the API: GET /api/v1/evaluations/{YYYY-MM}/
(docs/api.md#evaluations).

Counts are integers; rates and the composite are strings with 4 decimal places ("0.8333"),
hours strings with 2 ("9.50") or null when no clock stopped, so no float rounding creeps
in between the frozen report and what clients read. `rated` splits into `rated_resident`
(through the resident's follow link) and `rated_callback` (staff on a callback, 回访); both
count in the satisfaction rate. Reports frozen before that split give them as null.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import evaluation_selectors
from ..actors import actor_for_user
from ..services.evaluation_figures import COUNTS, RATES, RATING_SOURCE_COUNTS, TIMES
from .serializers import ErrorOut
from .views import LIST_ERRORS


RATING_SOURCE_HELP = {
    "rated_resident": "Of `rated`: rated by the resident through their follow link. "
    "Null in reports frozen before ratings were counted by source.",
    "rated_callback": "Of `rated`: recorded by staff on a callback (回访) for a resident "
    "who had not rated. Null in reports frozen before ratings were counted by source.",
}
assert set(RATING_SOURCE_HELP) == set(RATING_SOURCE_COUNTS)


def _row_serializer(name: str, *, named: bool):
    fields = {}
    if named:
        fields.update(
            code=serializers.CharField(),
            name=serializers.CharField(),
            rank=serializers.IntegerField(required=False),
            street=serializers.CharField(required=False),
            community=serializers.CharField(required=False),
        )
    fields.update({count: serializers.IntegerField() for count in COUNTS})
    fields.update(
        {
            count: serializers.IntegerField(allow_null=True, help_text=help_text)
            for count, help_text in RATING_SOURCE_HELP.items()
        }
    )
    fields.update({time: serializers.CharField(allow_null=True) for time in TIMES})
    fields.update({rate: serializers.CharField() for rate in RATES})
    return type(name, (serializers.Serializer,), fields)


EvaluationRowOut = _row_serializer("EvaluationRowOut", named=True)
EvaluationTotalsOut = _row_serializer("EvaluationTotalsOut", named=False)


class EvaluationReportOut(serializers.Serializer):
    period = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    run_at = serializers.DateTimeField()
    totals = EvaluationTotalsOut(allow_null=True)
    streets = EvaluationRowOut(many=True)
    communities = EvaluationRowOut(many=True)
    grids = EvaluationRowOut(many=True)
    units = EvaluationRowOut(many=True)
    categories = EvaluationRowOut(many=True)


class EvaluationReportView(APIView):
    @extend_schema(
        summary="The frozen figures of one evaluation period, within your scope",
        responses={
            200: EvaluationReportOut,
            **LIST_ERRORS,
            403: OpenApiResponse(ErrorOut, description="Not a supervisor, dispatcher or unit."),
            404: OpenApiResponse(ErrorOut, description="That period has not been run yet."),
        },
    )
    def get(self, request, period):
        report = evaluation_selectors.evaluation_report_get(
            actor=actor_for_user(request.user), period=period
        )
        return Response(EvaluationReportOut(report).data)
