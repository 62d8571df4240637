"""Prometheus metrics (docs/operations.md#metrics).

Requests by view, method and status and their latency come from django-prometheus's
middleware. Here: the SLA engine's state, read from the database when scraped (so every
web process reports the same), and Celery tasks by outcome with their run time, counted
in the worker through Celery's signals. With PROMETHEUS_MULTIPROC_DIR set (bin/start sets
it) the counters of every gunicorn and Celery process on the machine are summed.
"""

import os
import time

from celery.signals import task_failure, task_postrun, task_prerun, task_retry, task_success
from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY

TASKS = Counter(
    "casework_celery_tasks", "Celery tasks finished, by task and outcome", ["task", "outcome"]
)
TASK_SECONDS = Histogram(
    "casework_celery_task_seconds",
    "Celery task run time, by task (the evaluation day is casework.tasks.evaluation_catch_up)",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
)
_started: dict[str, float] = {}


class SlaCollector:
    """The SLA engine as gauges, read at each scrape."""

    def collect(self):
        try:
            families = list(self._families())
        except DatabaseError:  # the request and task counters still go out
            yield GaugeMetricFamily("casework_sla_up", "SLA gauges read from the database", value=0)
            return
        yield GaugeMetricFamily("casework_sla_up", "SLA gauges read from the database", value=1)
        yield from families

    def _families(self):
        from django.db.models import Count

        from .models import NotificationDelivery, SlaBreach, SlaTimer
        from .services.health import heartbeat_age, incidents_open, sweep_lag

        now = timezone.now()
        timers = GaugeMetricFamily(
            "casework_sla_open_timers", "Running or paused SLA clocks, by clock", labels=["kind"]
        )
        open_by_kind = dict(
            SlaTimer.objects.filter(state__in=SlaTimer.OPEN_STATES)
            .values_list("kind")
            .annotate(n=Count("id"))
        )
        for kind in SlaTimer._meta.get_field("kind").choices:
            timers.add_metric([kind[0]], open_by_kind.get(kind[0], 0))
        yield timers
        breaches = GaugeMetricFamily(
            "casework_sla_breaches_unacknowledged",
            "SLA breaches no supervisor has acknowledged yet, by clock",
            labels=["kind"],
        )
        by_kind = dict(
            SlaBreach.objects.filter(acknowledged_at__isnull=True)
            .values_list("kind")
            .annotate(n=Count("id"))
        )
        for kind in SlaTimer._meta.get_field("kind").choices:
            breaches.add_metric([kind[0]], by_kind.get(kind[0], 0))
        yield breaches
        yield GaugeMetricFamily(
            "casework_sla_incidents", "SLA timers parked as incidents", value=incidents_open()
        )
        yield GaugeMetricFamily(
            "casework_sla_sweep_lag_seconds",
            "How long the oldest clock due for a look has waited",
            value=sweep_lag(now),
        )
        deliveries = GaugeMetricFamily(
            "casework_notification_deliveries",
            "Notifications waiting to go out, or failed for good, by channel (docs/notifications.md)",
            labels=["channel", "status"],
        )
        counts = {
            (channel, status): n
            for channel, status, n in NotificationDelivery.objects.filter(
                status__in=["pending", "failed"]
            )
            .values_list("channel", "status")
            .annotate(n=Count("id"))
        }
        for channel, _label in NotificationDelivery._meta.get_field("channel").choices:
            for status in ("pending", "failed"):
                deliveries.add_metric([channel, status], counts.get((channel, status), 0))
        yield deliveries
        age = heartbeat_age(now)
        yield GaugeMetricFamily(
            "casework_beat_heartbeat_age_seconds",
            "Age of beat's heartbeat (NaN: never)",
            value=float("nan") if age is None else age,
        )


def exposition() -> bytes:
    """The text a scrape reads: this machine's processes, then the SLA gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    sla = CollectorRegistry()
    sla.register(SlaCollector())
    return generate_latest(processes) + generate_latest(sla)


@task_prerun.connect
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _task_ended(task_id=None, task=None, **kwargs):
    started = _started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_SECONDS.labels(task.name).observe(time.monotonic() - started)


@task_success.connect
def _task_succeeded(sender=None, **kwargs):
    TASKS.labels(sender.name, "success").inc()


@task_failure.connect
def _task_failed(sender=None, **kwargs):
    TASKS.labels(sender.name, "failure").inc()


@task_retry.connect
def _task_retried(sender=None, **kwargs):
    TASKS.labels(sender.name, "retry").inc()
