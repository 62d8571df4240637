"""The API's sign-in and logout (README "Sign-in"); tokens are checked by token_auth."""

import copy

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services.api_tokens import api_token_issue, api_token_revoke
from .serializers import ErrorOut
from .token_auth import ExpiringTokenAuthentication


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)

    def validate(self, attrs):
        # The Django request, not DRF's wrapper: axes marks a locked-out attempt on it, and
        # its middleware turns that into the 429 (casework.signin_throttle).
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenOut(serializers.Serializer):
    token = serializers.CharField()


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorOut, description=description)


class TokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Sign in: a token for a username and password",
        request=TokenIn,
        responses={
            200: OpenApiResponse(TokenOut, description="Send it as `Authorization: Token <token>`."),
            400: _error("Missing fields, or a wrong username or password."),
            413: _error("The request body is too large."),
            429: _error(
                "Too many failed sign-ins for this account or from this address; "
                "see Retry-After (seconds)."
            ),
        },
    )
    def post(self, request):
        serializer = TokenIn(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # Announced like a page sign-in (last_login, axes' access log, its reset), but
        # without the session: a token has none, and axes would start one only to hash its
        # key into the log (and send its cookie with the token).
        announced = copy.copy(request._request)
        del announced.session
        user_logged_in.send(sender=type(user), request=announced, user=user)
        return Response({"token": api_token_issue(user)})


class LogoutView(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke the token this request carries",
        request=None,
        responses={
            204: OpenApiResponse(description="Revoked: the token no longer opens anything."),
            401: _error("No valid token: send `Authorization: Token <token>`."),
        },
    )
    def post(self, request):
        api_token_revoke(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
