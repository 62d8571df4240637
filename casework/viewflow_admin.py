"""viewflow's admin lists (the consultation flow's processes and tasks) in our language.

viewflow ships no Chinese, and its list columns are named by field name, which no catalog
can translate. We keep its admin classes (viewflow is used unmodified) and re-register
subclasses whose columns carry translated headings; the strings viewflow itself passes to
gettext are listed in VIEWFLOW_STRINGS so our catalog holds them (Django merges every
catalog, ours first)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from viewflow.workflow.admin import ProcessAdmin, TaskAdmin
from viewflow.workflow.models import Process, Task

VIEWFLOW_STRINGS = [
    gettext_noop("Workflow"),
    gettext_noop("Process"),
    gettext_noop("Process list"),
    gettext_noop("Task"),
    gettext_noop("Tasks"),
    gettext_noop("flow"),
    gettext_noop("Owner"),
    gettext_noop("Permission"),
    pgettext_lazy("STATUS", "New"),
    pgettext_lazy("STATUS", "Started"),
    pgettext_lazy("STATUS", "Assigned"),
    pgettext_lazy("STATUS", "Scheduled"),
    pgettext_lazy("STATUS", "Done"),
    pgettext_lazy("STATUS", "Canceled"),
    pgettext_lazy("STATUS", "Error"),
    pgettext_lazy("STATUS", "Revived"),
    # Django's admin index names its table's columns for screen readers.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-axes' lists.
    gettext_noop("access attempts"),
    gettext_noop("access failures"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expirations"),
]


@admin.display(description=_("Created"), ordering="created")
def _created(obj):
    return obj.created


@admin.display(description=_("Finished"), ordering="finished")
def _finished(obj):
    return obj.finished


@admin.display(description=_("State"), ordering="status")
def _status(obj):
    return obj.get_status_display()


class ProcessListAdmin(ProcessAdmin):
    list_display = ["pk", _created, "flow", _status, "participants_names", "summary"]
    list_display_links = ["pk", _created]

    @admin.display(description=_("Flow"))
    def flow(self, obj):
        return obj.flow_class.process_title if obj.flow_class else ""

    @admin.display(description=_("Participants"))
    def participants_names(self, obj):
        return self.participants(obj)

    @admin.display(description=_("Summary"))
    def summary(self, obj):
        return obj.brief


class TaskListAdmin(TaskAdmin):
    list_display = ["pk", _created, "process", _status, "owner", _finished]
    list_display_links = ["pk", _created, "process"]


admin.site.unregister(Process)
admin.site.register(Process, ProcessListAdmin)
admin.site.unregister(Task)
admin.site.register(Task, TaskListAdmin)
