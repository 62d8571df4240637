"""The residents' pages (no login): report a concern, follow it by its private link, rate it
once it is resolved. Plus the one staff view that belongs to them: the resident's photo.

What a resident sees of their case (the follow page): its reference, state, category,
place, the handling unit once assigned, when it should be resolved (the SLA), and once
resolved the outcome and what was done. Its timeline shows the steps a resident can follow
(the events with a `public_label` in workflows.transitions) with their times only: never who acted,
never reasons, ballots or internal returns and pauses. Anyone holding the link reads these
pages, so every text on them has its phone and ID numbers and the reporter's name masked
(casework.privacy, docs/privacy.md).
"""

import mimetypes
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from workflows.case_states import Channel, Satisfaction, State
from workflows.transitions import EVENT_KINDS

from .. import resident_selectors, selectors
from ..errors import Conflict, Invalid, NotFound
from ..forms import DisplayForm
from ..privacy import case_texts
from ..ratelimit import public_submit_over_limit, retry_after_seconds
from ..services.resident import PHOTO_FORMATS, resident_case_file, resident_rate
from .access import staff_page

# ---------------------------------------------------------------- forms (display only)


def _category_choices():
    groups: dict[str, list] = {}
    for category in resident_selectors.categories_reportable():
        group = category.parent.name if category.parent_id else category.name
        groups.setdefault(group, []).append((category.code, category.name))
    return [("", _("— choose —")), *groups.items()]


def _grid_choices():
    grids = resident_selectors.grids_for_residents()
    return [("", _("— not sure —")), *((g.code, f"{g.community.name} · {g.name}") for g in grids)]


class ReportForm(DisplayForm):
    category = forms.ChoiceField(label=gettext_lazy("What is it about?"))
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("What, since when, and who is affected."),
    )
    address = forms.CharField(
        label=gettext_lazy("Where"),
        required=False,
        help_text=gettext_lazy("Building, entrance, door number, or a landmark nearby."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    grid = forms.ChoiceField(
        label=gettext_lazy("Your neighbourhood (if you know it)"), required=False
    )
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    long = forms.CharField(required=False, widget=forms.HiddenInput)
    reporter_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_phone = forms.CharField(
        label=gettext_lazy("Your phone (optional)"),
        required=False,
        help_text=gettext_lazy("Only the community office sees it, to call you back."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo (optional)"),
        required=False,
        widget=forms.FileInput(
            attrs={"accept": ",".join(f"image/{f.lower()}" for f in PHOTO_FORMATS)}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices()
        self.fields["grid"].choices = _grid_choices()


class RateForm(DisplayForm):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you with how it was handled?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything to add? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


# ---------------------------------------------------------------- pages


def _photo_limit_mb() -> int:
    return settings.PUBLIC_PHOTO_MAX_BYTES // (1024 * 1024)


def _report_page(request, form, *, error=None, status=200):
    return render(
        request,
        "public/report.html",
        {"form": form, "error": error, "photo_limit_mb": _photo_limit_mb()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def report(request):
    if request.method != "POST":
        return _report_page(request, ReportForm())
    if public_submit_over_limit(request):
        response = _report_page(
            request,
            ReportForm(request.POST),
            error=_("Too many reports from this connection; please try again later."),
            status=429,
        )
        response["Retry-After"] = str(retry_after_seconds(settings.PUBLIC_SUBMIT_RATE))
        return response
    post = request.POST
    data = {
        name: post.get(name, "")
        for name in ("category", "description", "address", "reporter_name", "reporter_phone")
    }
    data.update(
        grid=post.get("grid") or None, lat=post.get("lat") or None, long=post.get("long") or None
    )
    try:
        case, token = resident_case_file(
            channel=Channel.ONLINE,
            data=data,
            photo=request.FILES.get("photo"),
            description_required=True,
        )
    except Invalid as exc:
        # "Say where it is" belongs next to the place field.
        fields = {("address" if name == "location" else name): m for name, m in exc.fields.items()}
        return _report_page(
            request, ReportForm(post, service_errors=fields), error=exc.detail, status=400
        )
    messages.success(
        request,
        _("Thank you. Your concern is filed as %(reference)s.") % {"reference": case.reference},
    )
    return redirect(f"{reverse('public-follow', args=[token])}?new=1")


@dataclass
class PublicStep:
    transition: str
    label: str
    at: object
    state: str
    state_label: str


def _intake_or_none(token):
    try:
        return resident_selectors.intake_by_token(token)
    except NotFound:
        return None


def _not_found(request):
    return render(request, "public/not_found.html", status=404)


# The follow pages are one resident's: no shared cache keeps them.
@never_cache
@require_GET
def follow(request, token):
    intake = _intake_or_none(token)
    if intake is None:
        return _not_found(request)
    case = intake.case
    steps = [
        PublicStep(
            transition=event.transition,
            label=EVENT_KINDS[event.transition].public_label,
            at=event.at,
            state=event.to_state,
            state_label=State(event.to_state).label,
        )
        for event in resident_selectors.public_events(case=case)
    ]
    context = {
        "case": case,
        "steps": steps,
        "expected_at": resident_selectors.expected_at(case),
        "text": case_texts(case, masked=True),
        "may_rate": resident_selectors.resident_may_rate(case),
        "follow_url": request.build_absolute_uri(reverse("public-follow", args=[token])),
        "token": token,
        "is_new": request.GET.get("new") == "1",
    }
    return render(request, "public/follow.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, token):
    intake = _intake_or_none(token)
    if intake is None:
        return _not_found(request)
    case = intake.case
    if request.method != "POST":
        form = RateForm(initial={"version": case.version})
        return _rate_page(request, case, token, form)
    try:
        resident_rate(token=token, version=request.POST.get("version"), data=request.POST)
    except Conflict as exc:
        case.refresh_from_db()
        form = RateForm(initial={"version": case.version})
        return _rate_page(request, case, token, form, error=exc.detail, status=409)
    except Invalid as exc:
        form = RateForm(request.POST, service_errors=exc.fields)
        return _rate_page(request, case, token, form, error=exc.detail, status=400)
    messages.success(request, _("Thank you for your rating."))
    return redirect("public-follow", token=token)


def _rate_page(request, case, token, form, *, error=None, status=200):
    context = {
        "case": case,
        "form": form,
        "token": token,
        "may_rate": resident_selectors.resident_may_rate(case),
        "text": case_texts(case, masked=True),
        "error": error,
    }
    return render(request, "public/rate.html", context, status=status)


# ---------------------------------------------------------------- the staff's side


@require_GET
@staff_page()
def case_photo(request, actor, reference):
    """The resident's photo, for the staff who may see the case (never public)."""
    case = selectors.case_get(actor=actor, reference=reference)
    photo = resident_selectors.case_photo(case=case)
    if photo is None:
        raise Http404(_("This case has no photo."))
    content_type = mimetypes.guess_type(photo.name)[0] or "application/octet-stream"
    response = FileResponse(photo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
