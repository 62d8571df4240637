"""The bare DRF baseline: APIViews behind DRF's TokenAuthentication, no serializer classes."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import ops
from .models import Case


def _out(case: Case) -> dict:
    return {"id": case.pk, "state": case.state, "version": case.version}


class CaseCreate(APIView):
    def post(self, request):
        if not isinstance(request.data, dict):
            return Response({"detail": "a JSON object"}, status=status.HTTP_400_BAD_REQUEST)
        return Response(_out(ops.case_create(payload=dict(request.data))),
                        status=status.HTTP_201_CREATED)


class CaseTransition(APIView):
    def post(self, request, pk: int, name: str):
        version = request.data.get("version") if isinstance(request.data, dict) else None
        if name not in ops.TRANSITIONS or not isinstance(version, int):
            return Response({"detail": "unknown transition or no version"},
                            status=status.HTTP_400_BAD_REQUEST)
        payload = {k: v for k, v in request.data.items() if k != "version"}
        try:
            case = ops.case_transition(case_id=pk, name=name, version=version, payload=payload)
        except Case.DoesNotExist:
            return Response({"detail": "not found"}, status=status.HTTP_404_NOT_FOUND)
        except ops.Conflict as e:
            return Response({"detail": str(e)}, status=status.HTTP_409_CONFLICT)
        return Response(_out(case))
