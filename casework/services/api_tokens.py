"""API tokens (django-rest-knox): issued at sign-in, revoked at logout and whenever the
password changes (README "Sign-in"). Knox stores only each token's SHA-512."""

from django.utils import timezone
from knox.models import AuthToken


def api_token_issue(user) -> str:
    """A new token for `user`, valid for REST_KNOX's TOKEN_TTL and renewed by use."""
    # Tokens that expired unused are never presented again: sweep them at the next sign-in.
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    _, token = AuthToken.objects.create(user=user)
    return token


def api_token_revoke(token: AuthToken) -> None:
    token.delete()


def api_tokens_revoke_on_password_change(sender, instance, created, **kwargs):
    """post_save of the user model: a new password ends every API token of its user, on any
    path (the password change page, the admin, `changepassword`, set_password() + save())."""
    # set_password() leaves the raw password on `_password` until save() hands it to
    # password_validation.password_changed(); a hash upgrade at login clears it first, so
    # that keeps the tokens.
    if not created and getattr(instance, "_password", None) is not None:
        AuthToken.objects.filter(user=instance).delete()
