import logging.config
import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import task_logging  # noqa: E402, F401 (connects the request id and task lines)


@setup_logging.connect
def _django_logging(**kwargs):
    """Workers and beat log through settings.LOGGING (LOG_FORMAT, LOG_LEVEL), as the web
    does, instead of Celery's own handlers: the same line shapes everywhere
    (docs/operations.md#logs)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
