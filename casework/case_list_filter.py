"""The search box and filters above every case list page: the API's case filters
(casework/case_filters.py), so a page and the API narrow alike, with labels, choices by name,
and a sort order."""

import django_filters
from django import forms
from django.db.models import F, Min, Subquery
from django.utils.translation import gettext_lazy as _

from workflows.case_states import State

from .case_filters import CaseFilter
from .case_search import SEARCH_MAX_LENGTH, day_valid, owed_timers, search_valid
from .forms import choices_select

SORTS = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("deadline", _("Nearest deadline first")),
]


class CaseListFilter(CaseFilter):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=SEARCH_MAX_LENGTH,
        validators=[search_valid],
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Reference, words, or a phone's last 4 digits")}
        ),
    )
    state = django_filters.ChoiceFilter(choices=State.choices, empty_label=_("All states"))
    created_from = django_filters.DateFilter(
        method="filter_created_from", validators=[day_valid], label=_("Filed from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to", validators=[day_valid], label=_("Filed until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORTS, method="filter_sort", label=_("Order"), empty_label=None
    )

    class Meta(CaseFilter.Meta):
        fields = [
            "q", "state", "category", "grid", "unit", "overdue",
            "created_from", "created_to", "sort",
        ]

    def __init__(self, data, *, queryset, choices, default_sort="newest"):
        data = data.copy()
        data.setdefault("sort", default_sort)
        super().__init__(data, queryset=queryset)
        # The API's filters by id that a page offers by name (grid, unit) or not at all.
        for name in ("community", "breached"):
            self.filters.pop(name)
        page_fields = {
            "category": (_("Category"), {"widget": choices_select(_("All categories"), choices["categories"])}),
            "grid": (_("Grid"), {"widget": choices_select(_("All grids"), choices["grids"])}),
            "unit": (_("Unit"), {"widget": choices_select(_("All units"), choices["units"])}),
            "overdue": (_("Overdue"), {"widget": forms.Select(choices=[
                ("", _("Overdue or not")), ("true", _("Only overdue")), ("false", _("Not overdue")),
            ])}),
        }
        for name, (label, extra) in page_fields.items():
            self.filters[name].label = label
            self.filters[name].extra.update(extra)

    def filter_sort(self, queryset, name, value):
        if value == "oldest":
            return queryset.order_by("created_at", "id")
        if value == "deadline":
            # The earliest deadline still owed; cases owing nothing last.
            return queryset.alias(
                deadline=_next_deadline()
            ).order_by(F("deadline").asc(nulls_last=True), "created_at", "id")
        return queryset.order_by("-created_at", "-id")


def _next_deadline():
    return Subquery(
        owed_timers()
        .order_by()
        .values("case")
        .annotate(first=Min("due_at"))
        .values("first")[:1]
    )
