"""Which staff page each role opens, and the one wrapper every page view goes through.

The wrapper logs the user in, finds the actor, refuses a page that is not for their role
(403), and turns the domain's NotFound/Forbidden into Django's 404/403 pages.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.actors import Actor

from ..actors import actor_for_user
from ..errors import Forbidden, NotFound


@dataclass(frozen=True)
class Page:
    url_name: str
    label: str
    opens_for: Callable[[Actor], bool]


# In menu order. `case-new` mirrors who may collect (workflows.case_lifecycle.may_collect).
PAGES = [
    Page(
        "case-new",
        gettext_lazy("New case"),
        lambda a: a.is_grid_worker or a.is_dispatcher or a.is_superuser,
    ),
    Page("my-grid", gettext_lazy("My grid"), lambda a: a.is_grid_worker),
    Page(
        "dispatch-queue",
        gettext_lazy("Dispatch queue"),
        lambda a: a.is_dispatcher or a.is_superuser,
    ),
    Page("unit-inbox", gettext_lazy("Unit inbox"), lambda a: a.is_unit_member or a.is_superuser),
    Page(
        "consultation-inbox",
        gettext_lazy("Consultations"),
        lambda a: a.is_party_representative,
    ),
    Page(
        "consultation-convene",
        gettext_lazy("Consultations"),
        lambda a: a.is_dispatcher or a.is_superuser,
    ),
    Page(
        "breach-board",
        gettext_lazy("Breach board"),
        lambda a: a.is_supervisor or a.is_superuser,
    ),
    Page(
        "consultation-undecided",
        gettext_lazy("Undecided consultations"),
        lambda a: a.is_supervisor or a.is_superuser,
    ),
    Page(
        "evaluation-list",
        gettext_lazy("Monthly figures"),
        lambda a: a.is_supervisor or a.is_dispatcher or a.is_unit_member or a.is_superuser,
    ),
    Page(
        "case-overdue",
        gettext_lazy("Overdue"),
        lambda a: a.is_grid_worker or a.is_dispatcher or a.is_unit_member or a.is_supervisor
        or a.is_superuser,
    ),
    # Who reads reporters' phones (docs/privacy.md#export).
    Page(
        "resident-export",
        gettext_lazy("Resident data export"),
        lambda a: a.sees_phone_numbers(),
    ),
    Page("case-list", gettext_lazy("All cases"), lambda a: True),
]
PAGES_BY_NAME = {page.url_name: page for page in PAGES}


def pages_for(actor: Actor) -> list[Page]:
    return [page for page in PAGES if page.opens_for(actor)]


def staff_page(url_name: str | None = None):
    """Decorate a page view `view(request, actor, ...)`; `url_name` limits it to a role."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            actor = actor_for_user(request.user)
            if url_name is not None and not PAGES_BY_NAME[url_name].opens_for(actor):
                raise PermissionDenied(_("This page is not for your role."))
            try:
                return view(request, actor, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.detail)) from exc
            except Forbidden as exc:
                raise PermissionDenied(str(exc.detail)) from exc

        return login_required(wrapped)

    return decorator
