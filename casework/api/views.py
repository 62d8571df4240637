"""The REST door: parse, find the actor, call one domain function, serialize."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.transitions import TRANSITIONS

from .. import selectors
from ..actors import actor_for_user
from ..inputs import CollectInput, ExtensionAskInput, UrgeInput
from ..models import Case, Category, Grid, Unit
from ..privacy import reporter_names, sees_personal_data
from ..services.cases import case_collect, case_transition
from ..services.extensions import extension_ask
from ..services.urges import urge_create
from ..case_filters import CaseFilter
from .pagination import GuardedCursorPagination
from .routers import ID_PATTERN
from .serializers import (
    CaseEventOut,
    CaseOut,
    CategoryOut,
    ErrorOut,
    ExtensionOut,
    GridOut,
    SummonsOut,
    UnitOut,
    UrgeOut,
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorOut, description=description)


# What each kind of operation may answer besides its success, all as ErrorOut: the schema
# describes what is served (tests/api/test_schemathesis.py holds every operation to it).
LIST_ERRORS = {
    400: _error("Invalid input (a filter, the cursor, the address); `fields` names each problem."),
    401: _error("No valid token: send `Authorization: Token <token>`."),
}
READ_ERRORS = {**LIST_ERRORS, 404: _error("Not found in your scope.")}
ERRORS = {
    **READ_ERRORS,
    403: _error("Not allowed for this user."),
    409: _error("Wrong state or stale version."),
    413: _error("The request body is too large."),
    415: _error("The body is not JSON, a form or multipart."),
}


# SS-YYYYMM-NNNNNN (casework.services.references), with room to grow.
REFERENCE_PATTERN = "[A-Za-z0-9-]{1,24}"


TRANSITIONS_DOC = "Payload per transition, always with the case's `version`: " + "; ".join(
    f"{name} {spec.payload_doc}" for name, spec in TRANSITIONS.items()
) + "."


class CasePagination(GuardedCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(responses={200: CaseOut(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(responses={200: CaseOut, **READ_ERRORS}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CaseOut
    lookup_field = "reference"
    lookup_value_regex = REFERENCE_PATTERN
    pagination_class = CasePagination
    filterset_class = CaseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Case.objects.none()
        return selectors.case_list(actor=self.actor)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.actor = actor_for_user(request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": getattr(self, "actor", None)}

    def get_object(self):
        return selectors.case_get(actor=self.actor, reference=self.kwargs["reference"])

    @extend_schema(request=CollectInput, responses={201: CaseOut, **ERRORS})
    def create(self, request):
        case = case_collect(actor=self.actor, data=request.data)
        return Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Run a transition on the case",
        description=TRANSITIONS_DOC,
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(TRANSITIONS))],
        request=inline_serializer(
            "TransitionIn", {"version": serializers.IntegerField()}, many=False
        ),
        responses={200: CaseOut, **ERRORS},
    )
    # Any name reaches the service, so an unknown one gets the JSON 404, not Django's page.
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]{1,40})")
    def transitions(self, request, reference, name):
        # The service finds the case in scope and locks it in one statement.
        case = case_transition(
            actor=self.actor,
            reference=reference,
            name=name,
            payload=request.data,
            # A body that is not an object has no version; the service answers 400.
            version=request.data.get("version") if isinstance(request.data, dict) else None,
        )
        return Response(self.get_serializer(case).data)

    @extend_schema(responses={200: CaseEventOut(many=True), **READ_ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, reference):
        case = self.get_object()
        events = case.events.select_related("actor").order_by("seq")
        secret = selectors.consultations_with_secret_ballots(actor=self.actor, case=case)
        return Response(
            CaseEventOut(
                events,
                many=True,
                context={
                    "secret_consultations": secret,
                    "sees_personal_data": sees_personal_data(self.actor, case),
                    "reporter_names": reporter_names(case),
                },
            ).data
        )


    @extend_schema(
        methods=["GET"],
        summary="The case's extension requests (延期), oldest first",
        responses={200: ExtensionOut(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Ask for more time on the case (the handling unit)",
        description=(
            "`due_at`: the new resolve due date, with its time zone, later than now and than "
            "the current due date, at most EXTENSION_MAX_DAYS (default 90) days ahead; "
            "`reason`: why. Only while the case is `handling`. 409 `extension_pending` while "
            "another request awaits a decision, `extension_limit` once the case has had "
            "EXTENSIONS_MAX (default 2) granted or pending, `invalid_state` outside handling. "
            "The approvers are notified (docs/extensions.md)."
        ),
        request=ExtensionAskInput,
        responses={201: ExtensionOut, **ERRORS},
    )
    @action(
        detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None
    )
    def extensions(self, request, reference):
        if request.method == "POST":
            extension = extension_ask(actor=self.actor, reference=reference, data=request.data)
            return Response(
                ExtensionOut(extension, context={"actor": self.actor}).data,
                status=status.HTTP_201_CREATED,
            )
        _case, extensions = selectors.case_extensions(actor=self.actor, reference=reference)
        return Response(ExtensionOut(extensions, many=True, context={"actor": self.actor}).data)

    @extend_schema(
        methods=["GET"],
        summary="The case's urges (督办), oldest first",
        responses={200: UrgeOut(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Urge the case (a supervisor of its street)",
        description=(
            "`note`: what the supervisor expects; `reply_by`: the reply deadline, with its "
            "time zone, later than now and at most URGE_MAX_DAYS (default 30) days ahead. "
            "Only while the case is open (`collected`, `classified`, `handling`, "
            "`consultation`): 409 `invalid_state` otherwise, `urge_open` while an earlier "
            "urge awaits its reply. 403 for anyone but the street's supervisors. The case's "
            "unit (or, before it has one, the community's dispatchers) is notified and the "
            "`urge` clock starts (docs/urges.md)."
        ),
        request=UrgeInput,
        responses={201: UrgeOut, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def urges(self, request, reference):
        if request.method == "POST":
            urge = urge_create(actor=self.actor, reference=reference, data=request.data)
            return Response(
                UrgeOut(urge, context={"actor": self.actor}).data, status=status.HTTP_201_CREATED
            )
        _case, urges = selectors.case_urges(actor=self.actor, reference=reference)
        return Response(UrgeOut(urges, many=True, context={"actor": self.actor}).data)


    @extend_schema(
        summary="The units summoned to the case (吹哨), the lead first",
        description=(
            "The current summons (a later `summon` replaces them), each with its check-in due "
            "date (SLA policy `check_in`), check-in and, for a co-unit, its part "
            "(docs/summons.md)."
        ),
        responses={200: SummonsOut(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def summons(self, request, reference):
        _case, summonses = selectors.case_summons(actor=self.actor, reference=reference)
        return Response(SummonsOut(summonses, many=True, context={"actor": self.actor}).data)


def _reference_data(serializer):
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), **LIST_ERRORS}),
        retrieve=extend_schema(responses={200: serializer, **READ_ERRORS}),
    )


@_reference_data(GridOut)
class GridViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    queryset = Grid.objects.all()
    serializer_class = GridOut
    pagination_class = None


@_reference_data(UnitOut)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    queryset = Unit.objects.filter(is_active=True)
    serializer_class = UnitOut
    pagination_class = None


@_reference_data(CategoryOut)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    queryset = Category.objects.filter(is_active=True)
    serializer_class = CategoryOut
    pagination_class = None
