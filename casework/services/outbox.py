"""The one way a service causes work after its transaction
(docs/architecture.md#side-effects).

Services never import `casework.tasks` (the Celery door imports the services, not the other
way round): they name the task, and it is enqueued once the transaction commits, so a rolled
back write sends nothing and a worker never looks for rows that are not committed yet.
"""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def after_commit(task_name: str, *args, **kwargs) -> None:
    """Enqueue the Celery task `task_name` with these arguments when the current transaction
    commits (at once outside a transaction).

    By name, through the app's signature: a registered task is applied as the app is
    configured (eager or to the broker), an unknown one is sent by name. Enqueueing runs
    after the commit, so a broker failure there is logged, not raised: the write it follows
    stands, and raising would answer a 500 for a change that was made.
    """

    def enqueue():
        current_app.signature(task_name, args=args, kwargs=kwargs).apply_async()

    transaction.on_commit(enqueue, robust=True)
