"""Token authentication for the API: knox's tokens, checked in one query (README "Sign-in")."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import exceptions


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token check in one query: the token's row with its user, by the digest (the
    primary key). knox's own also sweeps the user's other tokens on every request; expired
    ones go at the next sign-in instead (services.api_tokens). Use renews the idle limit,
    writing at most once a minute (REST_KNOX MIN_REFRESH_INTERVAL)."""

    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        auth_token = AuthToken.objects.select_related("user").filter(digest=hash_token(text)).first()
        if auth_token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if auth_token.expiry is not None:
            if auth_token.expiry < timezone.now():
                auth_token.delete()
                raise exceptions.AuthenticationFailed(
                    _("The token has expired; sign in again."), code="token_expired"
                )
            self.renew_token(auth_token)
        return self.validate_user(auth_token)


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        scheme["description"] = (
            f"`Token <token>` from POST /api/v1/auth/token/. It lapses after "
            f"{settings.API_TOKEN_IDLE_HOURS} h unused or {settings.API_TOKEN_MAX_DAYS} days "
            f"after sign-in, at logout (POST /api/v1/auth/logout/) and when the password changes."
        )
        return scheme
