"""The six-party consultation over the API (docs/api.md#consultations): read one, cast or change a
ballot, write the options of one the SLA engine opened, record a meeting's minutes.
`escalate` and `decide` go through the case's transitions endpoint."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.consultation_states import PARTIES

from .. import selectors
from ..actors import actor_for_user
from ..inputs import BallotInput, MinutesInput, OptionsInput
from ..models import Consultation, ConsultationOption
from ..services.ballots import ballot_cast
from ..services.consultations import (
    consultation_minutes_record,
    consultation_options_write,
)
from .routers import ID_PATTERN
from .views import ERRORS, READ_ERRORS


class OptionOut(serializers.ModelSerializer):
    class Meta:
        model = ConsultationOption
        fields = ["id", "text", "unit"]
        read_only_fields = fields


class ConsultationOut(serializers.ModelSerializer):
    """Ballots and tally appear once the vote has closed, for those it is open to."""

    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    options = OptionOut(many=True, read_only=True)
    voted_parties = serializers.SerializerMethodField()
    ballots = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta:
        model = Consultation
        fields = [
            "id",
            "case",
            "mode",
            "state",
            "place",
            "starts_at",
            "opened_at",
            "options",
            "voted_parties",
            "quorum",
            "voting_opened_at",
            "closes_at",
            "closed_at",
            "ballots",
            "tally",
            "outcome",
            "decision",
            "minutes",
            "attendance",
        ]
        read_only_fields = fields

    def get_voted_parties(self, consultation) -> list[str]:
        voted = {ballot.party for ballot in consultation.ballots.all()}
        return [party for party in PARTIES if party in voted]

    def get_ballots(self, consultation) -> dict:
        """party → option id or "abstain"."""
        return {ballot.party: ballot.choice for ballot in consultation.ballots.all()}

    def get_decision(self, consultation) -> dict | None:
        if consultation.decided_at is None:
            return None
        return {
            "option": consultation.decided_option_id,
            "by": "supervisor" if consultation.decided_by_id else "vote",
            "at": serializers.DateTimeField().to_representation(consultation.decided_at),
        }

    def to_representation(self, consultation):
        data = super().to_representation(consultation)
        if not selectors.consultation_results_visible(
            actor=self.context["actor"], consultation=consultation
        ):
            del data["ballots"], data["tally"]
        return data


class ConsultationOutSchema(OpenApiSerializerExtension):
    """The schema says what `to_representation` does: ballots and tally may be absent."""

    target_class = ConsultationOut

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        hidden = ("ballots", "tally")
        schema["required"] = [name for name in schema["required"] if name not in hidden]
        return schema


@extend_schema_view(retrieve=extend_schema(responses={200: ConsultationOut, **READ_ERRORS}))
class ConsultationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ConsultationOut
    lookup_value_regex = ID_PATTERN
    queryset = Consultation.objects.none()  # every read goes through the scoped selector
    pagination_class = None
    filterset_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.actor = actor_for_user(request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": getattr(self, "actor", None)}

    def _id(self) -> int:
        return int(self.kwargs["pk"])  # ASCII digits: the router's ID_PATTERN

    def get_object(self):
        return selectors.consultation_get(actor=self.actor, consultation_id=self._id())

    def _answer(self, consultation_id: int, status_code=status.HTTP_200_OK):
        consultation = selectors.consultation_get(actor=self.actor, consultation_id=consultation_id)
        return Response(self.get_serializer(consultation).data, status=status_code)

    @extend_schema(
        summary="Cast or change your party's ballot",
        description="`option` is one of the consultation's option ids or `abstain`; the party "
        "is the caller's (`party` only for someone representing two). 201 for the party's "
        "first ballot, 200 for a change; 409 once the vote has closed.",
        request=BallotInput,
        responses={201: ConsultationOut, 200: ConsultationOut, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def ballots(self, request, pk):
        self.get_object()  # outside your scope it does not exist for you: 404, as for GET
        result = ballot_cast(actor=self.actor, consultation_id=self._id(), data=request.data)
        return self._answer(result.consultation.pk, status.HTTP_201_CREATED if result.created else 200)

    @extend_schema(
        summary="Write the options of a consultation the SLA engine opened; the vote opens",
        request=OptionsInput,
        responses={200: ConsultationOut, **ERRORS},
    )
    # Not named `options`: that is the HTTP OPTIONS handler, which would then run this write
    # for an OPTIONS request to any consultation address.
    @action(detail=True, methods=["post"], url_path="options", url_name="options")
    def options_write(self, request, pk):
        self.get_object()  # nobody learns of a consultation outside their scope
        consultation = consultation_options_write(
            actor=self.actor, consultation_id=self._id(), data=request.data
        )
        return self._answer(consultation.pk)

    @extend_schema(
        summary="Record a meeting's minutes and which parties attended",
        request=MinutesInput,
        responses={200: ConsultationOut, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk):
        self.get_object()
        consultation = consultation_minutes_record(
            actor=self.actor, consultation_id=self._id(), data=request.data
        )
        return self._answer(consultation.pk)
