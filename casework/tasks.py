"""Celery is just another door: thin tasks that take ids and call one service."""

from celery import shared_task
from django.conf import settings


@shared_task(name="casework.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    from .services.sla_sweep import sla_sweep as sweep

    # Stop before the next beat tick's sweep is likely to be waiting behind us.
    return dict(sweep(time_budget=max(settings.SLA_SWEEP_SECONDS * 10, 20)))


@shared_task(name="casework.tasks.notifications_email", ignore_result=True)
def notifications_email(notification_ids: list[int]) -> int:
    from .services.notifications import notifications_email as send

    return send(notification_ids=notification_ids)
