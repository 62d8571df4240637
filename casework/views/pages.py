"""Staff pages: thin views that find the actor, call one selector or service, and render.

Rules live in the services and `workflows/`; these views only translate between HTTP and
the domain (see `access.staff_page` for how domain errors become 403/404 pages).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from workflows.transitions import TRANSITIONS, transitions_runnable

from .. import selectors
from ..ballot_secrecy import payload_for_reader
from ..case_list_filter import CaseListFilter
from ..errors import Conflict, Invalid
from ..forms import (
    CheckInForm,
    CollectForm,
    ExtensionAskForm,
    ExtensionRefuseForm,
    PartCloseForm,
    PartDoneForm,
    UrgeForm,
    UrgeReplyForm,
    transition_form,
)
from ..models import Extension, Urge
from ..phone import phone_masked
from ..privacy import payload_masked, personal_data_masked, reporter_names
from ..services.cases import case_collect, case_transition
from ..services.extensions import extension_askable, may_decide
from ..services.urges import may_reply, urgeable
from ..services.summons import OPEN_STATES as SUMMONS_OPEN_STATES
from .access import staff_page
from .paging import query_without_page
from .deadlines import deadlines
from .timeline import timeline

PER_PAGE = 50


@require_GET
@staff_page()
def home(request, actor):
    """Send each person to the page where their work waits."""
    if actor.is_grid_worker:
        return redirect("my-grid")
    if actor.is_dispatcher:
        return redirect("dispatch-queue")
    if actor.is_unit_member:
        return redirect("unit-inbox")
    if actor.is_party_representative:
        return redirect("consultation-inbox")
    if actor.is_supervisor:  # deadlines missed are theirs to review
        return redirect("breach-board")
    return redirect("case-list")


def _case_list_page(request, cases, *, heading, lead, empty, default_sort="newest"):
    """A list of cases with the search box and filters above it (an invalid filter answers
    400 with the form's errors and no cases)."""
    search = CaseListFilter(
        request.GET,
        queryset=cases,
        choices=selectors.case_filter_choices(cases=cases),
        default_sort=default_sort,
    )
    valid = search.is_valid()
    found = search.qs if valid else cases.none()
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    narrowed = {name for name, value in request.GET.items() if value and name not in ("page", "sort")}
    return render(
        request,
        "casework/case_list.html",
        {
            "page": page, "cases": page.object_list, "heading": heading, "lead": lead,
            "empty": empty, "search": search, "query": query_without_page(request.GET),
            "filtered": bool(narrowed) or not valid,
            "filters_open": bool(narrowed - {"q"}) or not valid,
        },
        status=200 if valid else 400,
    )


@require_GET
@staff_page("case-list")
def case_list(request, actor):
    return _case_list_page(
        request,
        selectors.case_list(actor=actor),
        heading=gettext_lazy("All cases"),
        lead=gettext_lazy("Every case you may see, newest first."),
        empty=gettext_lazy("No cases yet."),
    )


@require_GET
@staff_page("case-overdue")
def case_overdue(request, actor):
    return _case_list_page(
        request,
        selectors.case_overdue_list(actor=actor),
        heading=gettext_lazy("Overdue"),
        lead=gettext_lazy("Cases you may see that owe a step past its deadline, the nearest deadline first."),
        empty=gettext_lazy("Nothing is overdue."),
        default_sort="deadline",
    )


@require_GET
@staff_page("my-grid")
def my_grid(request, actor):
    return _case_list_page(
        request,
        selectors.case_grid_list(actor=actor),
        heading=gettext_lazy("My grid"),
        lead=gettext_lazy("Cases filed in your grids, newest first."),
        empty=gettext_lazy("No cases in your grids yet."),
    )


@require_GET
@staff_page("dispatch-queue")
def dispatch_queue(request, actor):
    return _case_list_page(
        request,
        selectors.case_dispatch_queue(actor=actor),
        heading=gettext_lazy("Dispatch queue"),
        lead=gettext_lazy("Collected cases waiting to be classified, oldest first."),
        empty=gettext_lazy("Nothing waits for dispatch."),
        default_sort="oldest",
    )


@require_GET
@staff_page("unit-inbox")
def unit_inbox(request, actor):
    return _case_list_page(
        request,
        selectors.case_unit_inbox(actor=actor),
        heading=gettext_lazy("Unit inbox"),
        lead=gettext_lazy("Cases assigned to your unit: accept them, then report back."),
        empty=gettext_lazy("Nothing is assigned to your unit."),
        default_sort="oldest",
    )


@staff_page("case-new")
def case_new(request, actor):
    if request.method != "POST":
        return render(request, "casework/case_new.html", {"form": CollectForm(actor=actor)})
    try:
        case = case_collect(actor=actor, data=request.POST)
    except Invalid as exc:
        form = CollectForm(request.POST, actor=actor, service_errors=exc.fields)
        return render(
            request, "casework/case_new.html", {"form": form, "error": exc.detail}, status=400
        )
    messages.success(
        request, _("Case %(reference)s has been filed.") % {"reference": case.reference}
    )
    return redirect("case-detail", reference=case.reference)


@require_GET
@staff_page()
def case_detail(request, actor, reference):
    case = selectors.case_get(actor=actor, reference=reference)
    return case_page(request, actor, case)


@require_POST
@staff_page()
def case_transition_run(request, actor, reference, name):
    case = selectors.case_get(actor=actor, reference=reference)
    spec = TRANSITIONS.get(name)
    form_class = spec.form_class if spec else None
    try:
        case = case_transition(
            actor=actor,
            case_id=case.pk,
            name=name,
            # Most forms post the service's fields as they are; a few gather theirs.
            payload=form_class.payload_from(request.POST) if form_class else request.POST,
            version=request.POST.get("version"),  # the service checks it is a number
        )
    except Conflict as exc:
        # Show the case as it is now; the person decides again on fresh forms.
        case = selectors.case_get(actor=actor, reference=reference)
        return case_page(request, actor, case, error=exc.detail, status=409)
    except Invalid as exc:
        failed = (name, request.POST, exc.fields)
        return case_page(request, actor, case, error=exc.detail, failed=failed, status=400)
    messages.success(
        request,
        _("%(transition)s: case %(reference)s is now “%(state)s”.")
        % {
            "transition": spec.label,
            "reference": case.reference,
            "state": case.get_state_display(),
        },
    )
    # After a return the unit no longer sees the case: send them back to their work.
    if not selectors.case_list(actor=actor).filter(pk=case.pk).exists():
        return redirect("home")
    return redirect("case-detail", reference=case.reference)


def case_page(
    request,
    actor,
    case,
    *,
    error=None,
    failed=None,
    extension_failed=None,
    urge_failed=None,
    summons_failed=None,
    status=200,
):
    """The case page: summary, deadlines, timeline and one form per transition the actor can
    run now, and the extension requests and urges with the forms the actor may use on them.
    `failed`/`extension_failed`/`urge_failed`: (which form, what was posted, the service's
    errors)."""
    forms = []
    for name in transitions_runnable(case, actor):
        if TRANSITIONS[name].form is None:
            continue
        if failed is not None and failed[0] == name:
            forms.append(transition_form(name, failed[1], case=case, service_errors=failed[2]))
        else:
            forms.append(transition_form(name, case=case))
    sees_phone = actor.sees_phone_numbers(case.community_id)
    events = list(selectors.case_events(case=case))
    secret = selectors.consultations_with_secret_ballots(actor=actor, case=case)
    for event in events:  # shown, never saved: how parties voted stays hidden till it may be read
        event.payload = payload_for_reader(event.transition, event.payload, secret)
        if not sees_phone:  # results, reasons and comments mask personal data like the case
            event.payload = payload_masked(event.payload, names=reporter_names(case))
    context = {
        "case": case,
        "reporter_phone": case.reporter_phone if sees_phone else phone_masked(case.reporter_phone),
        "timeline": timeline(events),
        "deadlines": deadlines(list(selectors.case_timers(case=case)), now=timezone.now()),
        "breaches": list(selectors.case_breaches(case=case)),
        "transition_forms": forms,
        "consultation": case.consultations.order_by("-id").first()
        if getattr(case, "current_consultation_id", True)
        else None,
        "error": error,
        **_extensions_context(actor, case, extension_failed),
        **_urges_context(actor, case, urge_failed),
        **_summons_context(actor, case, summons_failed),
    }
    return render(request, "casework/case_detail.html", context, status=status)


def _summons_context(actor, case, failed) -> dict:
    """The summoned units (docs/summons.md): everyone in scope reads them; a summoned unit's
    member gets its check-in form, a co-unit's its part form, the lead the close forms."""
    summonses = selectors.summons_of(case=case)
    failed_key, posted, errors = failed if failed is not None else (None, None, None)
    working = case.state in SUMMONS_OPEN_STATES
    lead = actor.is_superuser or (case.unit_id is not None and case.unit_id in actor.units)
    masked = not actor.sees_phone_numbers(case.community_id)
    now = timezone.now()

    def form(form_class, step, summons):
        if failed_key == (step, summons.pk):
            return form_class(posted, summons=summons, service_errors=errors)
        return form_class(summons=summons)

    for summons in summonses:
        if masked:  # like the timeline's reasons (docs/privacy.md)
            names = reporter_names(case)
            for key in ("reason", "part_note", "closed_by_lead_reason", "attendee"):
                setattr(summons, key, personal_data_masked(getattr(summons, key), names=names))
        member = actor.is_superuser or summons.unit_id in actor.units
        summons.late = (summons.checked_in_at or now) > summons.due_at
        summons.check_in_form = summons.part_done_form = summons.close_form = None
        if not working:
            continue
        if member and summons.checked_in_at is None:
            summons.check_in_form = form(CheckInForm, "summons_check_in", summons)
        if summons.part_open and member and summons.checked_in_at is not None:
            summons.part_done_form = form(PartDoneForm, "summons_part_done", summons)
        if summons.part_open and lead:
            summons.close_form = form(PartCloseForm, "summons_part_close", summons)
    return {"summonses": summonses}


def _extensions_context(actor, case, failed) -> dict:
    """The requests for more time (docs/extensions.md): everyone in scope reads them; the
    unit gets the form to ask while it may, the approver a pair of forms per pending one."""
    extensions = selectors.extensions_of(case=case)
    failed_key, posted, errors = failed if failed is not None else (None, None, None)
    ask_form = None
    if extension_askable(case, actor):
        ask_form = (
            ExtensionAskForm(posted, service_errors=errors)
            if failed_key == "ask"
            else ExtensionAskForm()
        )
    decidable = may_decide(case, actor) and case.unit_id not in actor.units
    masked = not actor.sees_phone_numbers(case.community_id)
    for extension in extensions:
        if masked:  # like the timeline's reasons (docs/privacy.md)
            names = reporter_names(case)
            extension.reason = personal_data_masked(extension.reason, names=names)
            extension.decision_reason = personal_data_masked(extension.decision_reason, names=names)
        extension.refuse_form = None
        if decidable and extension.state == Extension.State.ASKED and (
            extension.asked_by_id != actor.user_id
        ):
            extension.refuse_form = (
                ExtensionRefuseForm(posted, extension=extension, service_errors=errors)
                if failed_key == extension.pk
                else ExtensionRefuseForm(extension=extension)
            )
    return {"extensions": extensions, "extension_ask_form": ask_form}


def _urges_context(actor, case, failed) -> dict:
    """The supervisors' urges (docs/urges.md): everyone in scope reads them; a supervisor of
    the street gets the form to urge while it may, those urged a reply form on the open one."""
    urges = selectors.urges_of(case=case)
    failed_key, posted, errors = failed if failed is not None else (None, None, None)
    urge_form = None
    if urgeable(case, actor):
        urge_form = UrgeForm(posted, service_errors=errors) if failed_key == "urge" else UrgeForm()
    masked = not actor.sees_phone_numbers(case.community_id)
    for urge in urges:
        if masked:  # like the timeline's texts (docs/privacy.md)
            names = reporter_names(case)
            urge.note = personal_data_masked(urge.note, names=names)
            urge.reply = personal_data_masked(urge.reply, names=names)
        urge.reply_form = None
        if urge.state == Urge.State.OPEN and may_reply(case, urge, actor):
            urge.reply_form = (
                UrgeReplyForm(posted, urge=urge, service_errors=errors)
                if failed_key == urge.pk
                else UrgeReplyForm(urge=urge)
            )
    return {"urges": urges, "urge_form": urge_form}
