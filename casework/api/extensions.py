"""Extension requests over the API (docs/api.md#extensions): a case's list and the unit's
request live under the case (`CaseViewSet.extensions`); the decision under the request."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors
from ..actors import actor_for_user
from ..inputs import ExtensionRefuseInput
from ..models import Extension
from ..services.extensions import extension_approve, extension_refuse
from .routers import ID_PATTERN
from .serializers import ExtensionOut
from .views import ERRORS, READ_ERRORS


DECIDE_DOC = (
    "The community's dispatcher decides; for a `hard` case a supervisor of the street. "
    "403 for anyone else, and for the unit that asked; 409 `extension_decided` once decided."
)


@extend_schema_view(
    retrieve=extend_schema(
        summary="Read an extension request", responses={200: ExtensionOut, **READ_ERRORS}
    )
)
class ExtensionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExtensionOut
    lookup_value_regex = ID_PATTERN
    queryset = Extension.objects.none()  # every read goes through the scoped selector
    pagination_class = None
    filterset_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.actor = actor_for_user(request.user)

    def get_serializer_context(self):
        # The reader decides what is masked (ExtensionOut), on a read as on a decision.
        return {**super().get_serializer_context(), "actor": self.actor}

    def _id(self) -> int:
        return int(self.kwargs["pk"])  # ASCII digits: the router's ID_PATTERN

    def get_object(self):
        return selectors.extension_get(actor=self.actor, extension_id=self._id())

    def _answer(self):
        return Response(ExtensionOut(self.get_object(), context={"actor": self.actor}).data)

    @extend_schema(
        summary="Grant an extension request: the resolve clock falls due at its date",
        description=DECIDE_DOC + " 409 `invalid_state` if the case is no longer handled by the "
        "unit that asked, `extension_outdated` if the date asked for has passed.",
        request=None,
        responses={200: ExtensionOut, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        extension_approve(actor=self.actor, extension_id=self._id())
        return self._answer()

    @extend_schema(
        summary="Refuse an extension request, saying why",
        description=DECIDE_DOC,
        request=ExtensionRefuseInput,
        responses={200: ExtensionOut, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk):
        extension_refuse(actor=self.actor, extension_id=self._id(), data=request.data)
        return self._answer()
