"""Summons over the API (docs/api.md#summons): the summon itself is a transition, a case's
list lives under the case (`CaseViewSet.summons`); check-in and parts under the summons."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..actors import actor_for_user
from ..errors import NotFound
from ..inputs import CheckInInput, PartCloseInput, PartDoneInput
from ..models import Case, Summons
from ..selectors import case_scope_q
from ..services.summons import summons_check_in, summons_part_close, summons_part_done
from .routers import ID_PATTERN
from .serializers import SummonsOut
from .views import ERRORS


class SummonsViewSet(viewsets.GenericViewSet):
    serializer_class = SummonsOut
    lookup_value_regex = ID_PATTERN
    queryset = Summons.objects.none()  # every read goes through the case's scope
    pagination_class = None
    filterset_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.actor = actor_for_user(request.user)

    def _id(self) -> int:
        return int(self.kwargs["pk"])  # ASCII digits: the router's ID_PATTERN

    def _answer(self, summons_id: int):
        summons = (
            Summons.objects.filter(
                pk=summons_id, case__in=Case.objects.filter(case_scope_q(self.actor))
            )
            .select_related("case", "checked_in_by", "part_closed_by")
            .first()
        )
        if summons is None:
            raise NotFound()
        return Response(SummonsOut(summons, context={"actor": self.actor}).data)

    @extend_schema(
        summary="Check in (报到) for a summoned unit, naming who comes",
        description=(
            "A member of the summoned unit; 403 for anyone else in scope, 404 outside it. "
            "409 `checked_in` the second time, `invalid_state` once the summons no longer "
            "stands (summoned again, or the case left `classified`/`handling`). After the due "
            "date the check-in is recorded and a `check_in` breach with it, once."
        ),
        request=CheckInInput,
        responses={200: SummonsOut, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk):
        summons_check_in(actor=self.actor, summons_id=self._id(), data=request.data)
        return self._answer(self._id())

    @extend_schema(
        summary="Record a co-unit's part (协办) done, saying what it did",
        description=(
            "A member of the co-unit, once it has checked in; 403 for anyone else. 409 "
            "`lead_has_no_part` for the lead's summons (the lead resolves the case), "
            "`not_checked_in` before the check-in, `part_settled` once done or closed."
        ),
        request=PartDoneInput,
        responses={200: SummonsOut, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="part-done")
    def part_done(self, request, pk):
        summons_part_done(actor=self.actor, summons_id=self._id(), data=request.data)
        return self._answer(self._id())

    @extend_schema(
        summary="Close a co-unit's open part (the lead unit), saying why",
        description=(
            "A member of the case's handling (lead) unit; 403 for anyone else. 409 "
            "`lead_has_no_part` for the lead's own summons, `part_settled` once done or "
            "closed. `resolve` is refused (409 `parts_open`) while a co-unit's part is open."
        ),
        request=PartCloseInput,
        responses={200: SummonsOut, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk):
        summons_part_close(actor=self.actor, summons_id=self._id(), data=request.data)
        return self._answer(self._id())
