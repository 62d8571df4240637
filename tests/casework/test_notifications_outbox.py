"""Side effects after commit go through `casework.services.outbox`: a notification's delivery
is a Celery task named, not imported, and enqueued only once the write has committed."""

import logging
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from casework.models import Notification
from casework.services.notifications import notify
from casework.services.outbox import after_commit
from config.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    """Run tasks in this process, as the app does when configured eager."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def supervisor(demo):
    user = demo.user("supervisor")
    user.email = "jiedao@example.cn"
    user.save()
    return user


def test_the_email_goes_out_through_the_named_task_after_the_commit(
    supervisor, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            rows = notify(user_ids=[supervisor.pk], case=None, kind=Notification.Kind.BREACH,
                          message="C-1: the respond deadline was missed.")
            assert mail.outbox == []  # not before the commit

    assert len(callbacks) == 1 and len(rows) == 1
    assert [m.to for m in mail.outbox] == [["jiedao@example.cn"]]
    assert mail.outbox[0].body == "C-1: the respond deadline was missed."


def test_the_delivery_task_is_sent_by_name_once_for_the_outbox(
    supervisor, django_capture_on_commit_callbacks
):
    with mock.patch.object(app, "send_task") as send:
        with django_capture_on_commit_callbacks(execute=True):
            rows = notify(user_ids=[supervisor.pk, supervisor.pk], case=None,
                          kind=Notification.Kind.WARNING, message="soon")

    send.assert_called_once()
    assert len(rows) == 1
    assert send.call_args.args[:2] == ("casework.tasks.notifications_deliver", ())


def test_a_rolled_back_write_sends_nothing(supervisor, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(user_ids=[supervisor.pk], case=None, kind=Notification.Kind.BREACH, message="x")
            raise RuntimeError("the write fails after the notification")

    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_nobody_to_tell_enqueues_nothing(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify(user_ids=[], case=None, kind=Notification.Kind.BREACH, message="x") == []

    assert callbacks == []


def test_a_broker_failure_after_the_commit_is_logged_not_raised(
    django_capture_on_commit_callbacks, caplog
):
    with mock.patch.object(app, "send_task", side_effect=ConnectionError("broker down")):
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            after_commit("casework.tasks.notifications_deliver")

    assert "broker down" in caplog.text
