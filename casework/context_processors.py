from .actors import actor_for_user


def navigation(request):
    """The role-based menu: each user sees the pages their memberships open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = actor_for_user(user)
    return {"actor": actor}
