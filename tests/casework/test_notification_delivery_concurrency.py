"""The outbox under real concurrency, on PostgreSQL (docs/notifications.md#outbox): deliverers
racing over the same due rows send each message exactly once — threads in this process, and
real Celery workers kicked by each notification's commit over a real broker."""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, transaction

from casework.models import Notification, NotificationDelivery
from casework.services.notification_delivery import notifications_deliver
from casework.services.notification_preferences import notification_preference_update
from casework.services.notifications import notify
from tests.casework.test_sla_real_worker import SERVER_BROKERS, backends_wait_gone, broker_purge
from tests.celery_processes import CeleryProcesses, celery_env, database_url, wait_until
from tests.fake_gateway import GatewayServer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MESSAGES = 24


@pytest.fixture
def gateway(settings):
    with GatewayServer() as server:
        settings.NOTIFY_CHANNELS = ["sms"]
        settings.NOTIFY_SMS_URL = f"{server.url}/sms"
        yield server


def sms_user(demo):
    user = demo.user("unitmember")
    notification_preference_update(
        user=user,
        data={"channels": ["sms"], "phone": "13800138000", "wechat_openid": "",
              "quiet_start": None, "quiet_end": None},
    )
    return user


def test_deliverers_racing_over_the_same_rows_send_each_once(demo, gateway):
    user = sms_user(demo)
    for n in range(MESSAGES):
        notify(user_ids=[user.pk], case=None, kind=Notification.Kind.WARNING, message=f"m{n}")
    gateway.gateway.delay = 0.05  # long enough for the others to look at the same rows
    start = threading.Barrier(4)
    outcomes: list[dict] = []

    def deliverer():
        try:
            start.wait()
            outcomes.append(notifications_deliver())
        finally:
            connection.close()

    threads = [threading.Thread(target=deliverer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    references = Counter(message["reference"] for message in gateway.gateway.sms)
    assert len(references) == MESSAGES and set(references.values()) == {1}
    assert sum(o.get("sent", 0) for o in outcomes) == MESSAGES
    assert sum(1 for o in outcomes if o.get("sent")) > 1  # they really shared the work
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.real_clock
@pytest.mark.skipif(
    not str(settings.CELERY_BROKER_URL).startswith(SERVER_BROKERS),
    reason="needs a broker server shared with worker subprocesses: set CELERY_BROKER_URL=redis://…",
)
def test_real_workers_kicked_by_each_commit_send_each_once(demo, gateway, tmp_path):
    user = sms_user(demo)
    broker_purge()
    procs = CeleryProcesses(
        tmp_path,
        env=celery_env(
            database_url=database_url(connection.settings_dict),
            broker_url=settings.CELERY_BROKER_URL,
            var_dir=tmp_path / "var",
            NOTIFY_CHANNELS="sms",
            NOTIFY_SMS_URL=f"{gateway.url}/sms",
        ),
    )
    try:
        procs.worker("w1", concurrency=4)
        procs.worker("w2", concurrency=4)
        gateway.gateway.delay = 0.05
        for n in range(MESSAGES):
            with transaction.atomic():  # each commit kicks the deliver task
                notify(user_ids=[user.pk], case=None, kind=Notification.Kind.BREACH, message=f"m{n}")

        wait_until(
            lambda: NotificationDelivery.objects.filter(status="sent").count() == MESSAGES,
            timeout=60,
            message=lambda: procs.logs(),
        )
    finally:
        procs.stop_all()
        backends_wait_gone()
        broker_purge()

    references = Counter(message["reference"] for message in gateway.gateway.sms)
    assert len(references) == MESSAGES and set(references.values()) == {1}
