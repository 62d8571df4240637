"""Celery is just another door: thin tasks that take ids and call one service.

Services enqueue these by name after their commit (`services.outbox.after_commit`): this
module imports the services, never the other way round.
"""

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings


@shared_task(name="casework.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    from .services.sla_sweep import sla_sweep as sweep

    # Stop before the next beat tick's sweep is likely to be waiting behind us.
    return dict(sweep(time_budget=max(settings.SLA_SWEEP_SECONDS * 10, 20)))


@shared_task(name="casework.tasks.notifications_deliver", ignore_result=True)
def notifications_deliver() -> dict:
    """Beat, every minute, and kicked after each notification's commit: send what is due.
    Safe to run any number of times at once (docs/notifications.md#outbox)."""
    from .services.notification_delivery import notifications_deliver as deliver

    return deliver()


@shared_task(name="casework.tasks.evaluation_catch_up", ignore_result=True)
def evaluation_catch_up() -> list[str]:
    """The evaluation day (beat, on its day and hour) and its safety net (beat, hourly; and
    every worker start): run each period that fell due and has no report, oldest first.
    Safe to run any number of times at once: runs queue on a lock and a stored period is
    never run again."""
    from .services.evaluation_run import evaluation_catch_up as catch_up

    return [report.period for report in catch_up()]


@worker_ready.connect
def _evaluation_catch_up_on_start(sender=None, **kwargs):
    """A machine that was down on the evaluation day runs the missed period when it starts."""
    evaluation_catch_up.apply_async(expires=3600)


@shared_task(name="casework.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat, run by a worker: a fresh `beat` heartbeat means both, and the broker
    between them, work (/readyz)."""
    from .services.health import heartbeat_record

    heartbeat_record()



@shared_task(name="casework.tasks.cases_anonymise_due", ignore_result=True)
def cases_anonymise_due() -> int:
    """Beat, daily: remove the contact details of cases past retention. Two at once share
    the cases (docs/privacy.md#retention)."""
    from .services.retention import cases_anonymise_due as anonymise

    return anonymise()


@shared_task(name="casework.tasks.resident_photo_delete", ignore_result=True)
def resident_photo_delete(name: str) -> bool:
    """Enqueued by retention once the intake no longer refers to the file."""
    from .services.retention import resident_photo_delete as delete

    return delete(name=name)
