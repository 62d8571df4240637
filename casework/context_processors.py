from . import selectors
from .actors import actor_for_user
from .views.access import pages_for


def navigation(request):
    """The role-based menu: each user sees the pages their memberships open, and how many
    of their notifications are unread."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = actor_for_user(user)
    match = getattr(request, "resolver_match", None)
    return {
        "actor": actor,
        "nav_pages": pages_for(actor),
        "nav_current": match.url_name if match else None,
        "nav_unread": selectors.notification_unread_count(user=user),
    }
