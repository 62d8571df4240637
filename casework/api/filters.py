import django_filters

from workflows.case_states import State

from ..models import Case


class CaseFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=State.choices)
    grid = django_filters.NumberFilter(field_name="grid_id")
    unit = django_filters.NumberFilter(field_name="unit_id")
    category = django_filters.NumberFilter(field_name="category_id")
    community = django_filters.NumberFilter(field_name="community_id")

    class Meta:
        model = Case
        fields = ["state", "grid", "unit", "category", "community"]
