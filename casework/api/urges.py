"""Urges over the API (docs/api.md#urges): a case's list and the supervisor's urge live
under the case (`CaseViewSet.urges`); the reply under the urge."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors
from ..actors import actor_for_user
from ..inputs import UrgeReplyInput
from ..models import Urge
from ..services.urges import urge_reply
from .routers import ID_PATTERN
from .serializers import UrgeOut
from .views import ERRORS, READ_ERRORS


@extend_schema_view(
    retrieve=extend_schema(summary="Read an urge", responses={200: UrgeOut, **READ_ERRORS})
)
class UrgeViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UrgeOut
    lookup_value_regex = ID_PATTERN
    queryset = Urge.objects.none()  # every read goes through the scoped selector
    pagination_class = None
    filterset_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.actor = actor_for_user(request.user)

    def get_serializer_context(self):
        # The reader decides what is masked (UrgeOut), on reads as on the reply.
        return {**super().get_serializer_context(), "actor": self.actor}

    def _id(self) -> int:
        return int(self.kwargs["pk"])  # ASCII digits: the router's ID_PATTERN

    def get_object(self):
        return selectors.urge_get(actor=self.actor, urge_id=self._id())

    @extend_schema(
        summary="Reply to an urge: it is answered and its clock stops",
        description=(
            "`note`: the reply. Those who were urged reply: the members of the unit the case "
            "had when urged, or the community's dispatchers if it had none. 403 for anyone "
            "else; 409 `urge_answered` once answered. A reply after `reply_by` still answers "
            "the urge; the breach recorded meanwhile stays. The supervisor who urged is "
            "notified (docs/urges.md)."
        ),
        request=UrgeReplyInput,
        responses={200: UrgeOut, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk):
        urge_reply(actor=self.actor, urge_id=self._id(), data=request.data)
        return Response(UrgeOut(self.get_object(), context={"actor": self.actor}).data)
