"""Notifications that reach people (docs/notifications.md): the outbox row written with the
notification, sent through a fake SMS gateway and a fake WeChat API over real HTTP, retried
with backoff while they are down, given up on when refused, and held through quiet hours."""

import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from casework.channels import WECHAT_TOKEN_KEY
from casework.models import Notification, NotificationDelivery
from casework.services.notification_delivery import quiet_until
from casework.services.notification_preferences import notification_preference_update
from casework.services.notifications import notify
from casework.tasks import notifications_deliver
from config.celery import app
from tests.fake_gateway import GatewayServer, refused_url

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SMS_TOKEN = "sms-token-not-for-logs"
WECHAT_SECRET = "wechat-secret-not-for-logs"
Kind = Notification.Kind


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def gateway(settings):
    with GatewayServer() as server:
        settings.NOTIFY_CHANNELS = ["email", "sms", "wechat"]
        settings.NOTIFY_SMS_URL = f"{server.url}/sms"
        settings.NOTIFY_SMS_TOKEN = SMS_TOKEN
        settings.NOTIFY_WECHAT_API_BASE = server.url
        settings.NOTIFY_WECHAT_APP_ID = "wx-app"
        settings.NOTIFY_WECHAT_APP_SECRET = WECHAT_SECRET
        settings.NOTIFY_WECHAT_TEMPLATE_ID = "tpl-deadline"
        settings.NOTIFY_TIMEOUT_SECONDS = 2
        cache.delete(WECHAT_TOKEN_KEY)
        yield server.gateway
    cache.delete(WECHAT_TOKEN_KEY)


@pytest.fixture
def tell(eager, django_capture_on_commit_callbacks):
    """notify() as a service calls it, committed: the kicked delivery task runs (eager)."""

    def tell_(user, kind=Kind.WARNING, message="SS-202612-000001: 响应时限将到"):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                (row,) = notify(user_ids=[user.pk], case=None, kind=kind, message=message)
        return row

    return tell_


def reach(user, channels, *, phone="", openid="", quiet=(None, None)):
    notification_preference_update(
        user=user,
        data={"channels": channels, "phone": phone, "wechat_openid": openid,
              "quiet_start": quiet[0], "quiet_end": quiet[1]},
    )


def delivery(notification, channel="sms") -> NotificationDelivery:
    return NotificationDelivery.objects.get(notification=notification, channel=channel)


def deliver_at(when: datetime) -> dict:
    with time_machine.travel(when, tick=False):
        return notifications_deliver.apply().get()


@pytest.fixture
def worker(demo):
    return demo.user("unitmember")


def test_an_sms_goes_through_the_gateway_once(gateway, tell, worker):
    reach(worker, ["sms"], phone="+86 138-0013-8000")

    note = tell(worker)

    row = delivery(note)
    assert gateway.sms == [
        {"to": "13800138000", "text": f"{note.get_kind_display()}: {note.message}",
         "reference": str(row.pk)}
    ]
    assert gateway.messages("/sms")[0].headers["Authorization"] == f"Bearer {SMS_TOKEN}"
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None
    assert Notification.objects.filter(user=worker).count() == 1  # the inbox, as before
    assert notifications_deliver.apply().get() == {}  # nothing left to send
    assert len(gateway.sms) == 1


def test_a_gateway_that_is_down_loses_nothing_and_sends_once_when_back(gateway, tell, worker):
    reach(worker, ["sms"], phone="13800138000")
    gateway.sms_status = 503

    note = tell(worker)

    row = delivery(note)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
    assert timedelta(seconds=59) < row.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert notifications_deliver.apply().get() == {}  # not due yet: the gateway is left alone
    assert len(gateway.sms) == 1

    gateway.sms_status = 200
    assert deliver_at(row.next_attempt_at + timedelta(seconds=1)) == {"sent": 1}
    assert deliver_at(row.next_attempt_at + timedelta(minutes=30)) == {}

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert [m["reference"] for m in gateway.sms] == [str(row.pk)] * 2  # one failed, one sent


def test_a_refused_connection_is_retried_later(gateway, tell, worker, settings):
    reach(worker, ["sms"], phone="13800138000")
    working = settings.NOTIFY_SMS_URL
    settings.NOTIFY_SMS_URL = f"{refused_url()}/sms"

    note = tell(worker)

    row = delivery(note)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "connection failed")
    settings.NOTIFY_SMS_URL = working
    assert deliver_at(row.next_attempt_at) == {"sent": 1}
    assert len(gateway.sms) == 1


def test_retries_wait_1_2_4_minutes_capped_then_fail_for_good(gateway, tell, worker, settings, client):
    settings.NOTIFY_MAX_ATTEMPTS = 5
    settings.NOTIFY_RETRY_MAX_SECONDS = 200
    reach(worker, ["sms"], phone="13800138000")
    gateway.sms_status = 500

    row = delivery(tell(worker))
    waits, at = [], None
    while row.status == "pending":
        at = row.next_attempt_at
        assert deliver_at(at) in ({"retry": 1}, {"failed": 1})
        row.refresh_from_db()
        if row.status == "pending":
            waits.append((row.next_attempt_at - at).total_seconds())

    assert waits == [120, 200, 200]  # after the 2nd, 3rd and 4th attempts (the 1st waited 60)
    assert (row.status, row.attempts, row.last_error) == ("failed", 5, "HTTP 500")
    assert deliver_at(at + timedelta(days=1)) == {}  # never tried again
    assert len(gateway.sms) == 5
    scrape = client.get("/metrics").content.decode()
    assert re.search(r'^casework_notification_deliveries\{channel="sms",status="failed"\} 1\.0$',
                     scrape, re.MULTILINE)


def test_a_refusal_fails_for_good_at_once(gateway, tell, worker):
    reach(worker, ["sms"], phone="13800138000")
    gateway.sms_status = 400

    row = delivery(tell(worker))

    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 400")
    assert deliver_at(timezone.now() + timedelta(hours=2)) == {}
    assert len(gateway.sms) == 1


def test_a_busy_gateway_429_is_retried(gateway, tell, worker):
    reach(worker, ["sms"], phone="13800138000")
    gateway.sms_status = 429

    row = delivery(tell(worker))

    assert (row.status, row.last_error) == ("pending", "HTTP 429")


def test_wechat_sends_a_template_message_and_fetches_its_token_once(gateway, tell, worker):
    reach(worker, ["wechat"], openid="oUser_openid_1")

    first, second = tell(worker), tell(worker, message="第二条")

    assert gateway.tokens_issued == 1
    sent = gateway.wechat
    assert [m.body["touser"] for m in sent] == ["oUser_openid_1"] * 2
    assert sent[0].body["template_id"] == "tpl-deadline"
    assert sent[1].body["data"]["keyword2"] == {"value": "第二条"}
    assert {delivery(first, "wechat").status, delivery(second, "wechat").status} == {"sent"}
    token_call = gateway.messages("/cgi-bin/token")[0]
    assert token_call.query == {"grant_type": "client_credential", "appid": "wx-app",
                                "secret": WECHAT_SECRET}


def test_a_stale_wechat_token_is_dropped_and_fetched_again(gateway, tell, worker):
    reach(worker, ["wechat"], openid="oUser_openid_1")
    cache.set(WECHAT_TOKEN_KEY, "STALE", 3600)

    row = delivery(tell(worker), "wechat")

    assert (row.status, row.last_error) == ("pending", "errcode 40001")
    assert deliver_at(row.next_attempt_at) == {"sent": 1}
    assert gateway.tokens_issued == 1


def test_an_unsubscribed_wechat_user_fails_for_good(gateway, tell, worker):
    reach(worker, ["wechat"], openid="oUser_openid_1")
    gateway.wechat_errcode = 43004

    row = delivery(tell(worker), "wechat")

    assert (row.status, row.last_error) == ("failed", "errcode 43004")


def test_a_wrong_wechat_secret_keeps_messages_and_errors_show_no_secret(gateway, tell, worker, settings):
    reach(worker, ["wechat", "sms"], phone="13800138000", openid="oUser_openid_1")
    gateway.token_errcode = 40125
    gateway.sms_status = 503
    settings.NOTIFY_SMS_URL = f"{refused_url()}/sms?token={SMS_TOKEN}"

    note = tell(worker)

    rows = {row.channel: row for row in NotificationDelivery.objects.filter(notification=note)}
    assert rows["wechat"].status == "pending" and rows["wechat"].last_error == "token errcode 40125"
    assert rows["sms"].last_error == "connection failed"
    for row in rows.values():
        assert SMS_TOKEN not in row.last_error and WECHAT_SECRET not in row.last_error


def test_email_goes_to_users_without_preferences_who_have_an_address(gateway, tell, demo):
    supervisor = demo.user("supervisor")
    supervisor.email = "jiedao@example.cn"
    supervisor.save()

    note = tell(supervisor)

    assert [m.to for m in mail.outbox] == [["jiedao@example.cn"]]
    assert delivery(note, "email").status == "sent"
    assert list(NotificationDelivery.objects.values_list("channel", flat=True)) == ["email"]


def test_no_address_no_channel_no_delivery_rows(gateway, tell, worker):
    note = tell(worker)  # no e-mail address, no preferences

    assert not NotificationDelivery.objects.filter(notification=note).exists()
    assert gateway.received == []


def test_a_channel_switched_off_by_settings_gets_no_rows(gateway, tell, worker, settings):
    reach(worker, ["sms", "wechat"], phone="13800138000", openid="oUser_openid_1")
    settings.NOTIFY_CHANNELS = ["email", "wechat"]

    note = tell(worker)

    assert list(NotificationDelivery.objects.filter(notification=note).values_list("channel", flat=True)) == ["wechat"]
    assert gateway.sms == []


def test_without_a_gateway_the_console_channel_logs_the_message(tell, worker, settings, caplog):
    settings.NOTIFY_SMS_URL = ""
    reach(worker, ["sms"], phone="13800138000")

    with caplog.at_level(logging.INFO, logger="casework.channels"):
        note = tell(worker)

    assert delivery(note).status == "sent"
    assert "138****8000" in caplog.text and note.message in caplog.text
    assert "13800138000" not in caplog.text  # personal data: masked even in the log


def test_a_rolled_back_notification_leaves_no_outbox_row(gateway, eager, worker,
                                                       django_capture_on_commit_callbacks):
    reach(worker, ["sms"], phone="13800138000")

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(user_ids=[worker.pk], case=None, kind=Kind.BREACH, message="x")
            raise RuntimeError("the change fails after the notification")

    assert not NotificationDelivery.objects.exists() and gateway.sms == []


# ---------------------------------------------------------------- quiet hours

LATE_EVENING = datetime(2026, 12, 3, 23, 30, tzinfo=SHANGHAI)


@pytest.mark.clock(LATE_EVENING)
def test_quiet_hours_hold_a_warning_until_morning_and_let_a_breach_through(gateway, tell, worker):
    reach(worker, ["sms"], phone="13800138000", quiet=("22:00", "07:00"))

    warning = tell(worker, Kind.WARNING, "将到期")
    breach = tell(worker, Kind.BREACH, "已超时")

    assert [m["text"] for m in gateway.sms] == [f"{breach.get_kind_display()}: 已超时"]
    held = delivery(warning)
    morning = datetime(2026, 12, 4, 7, 0, tzinfo=SHANGHAI)
    assert (held.status, held.attempts, held.next_attempt_at) == ("pending", 0, morning)
    assert deliver_at(morning - timedelta(minutes=1)) == {}
    assert deliver_at(morning) == {"sent": 1}
    assert len(gateway.sms) == 2


@pytest.mark.clock(datetime(2026, 12, 4, 6, 0, tzinfo=SHANGHAI))
def test_a_retry_that_falls_in_quiet_hours_waits_for_their_end(gateway, tell, worker):
    reach(worker, ["sms"], phone="13800138000", quiet=("06:30", "07:00"))
    gateway.sms_status = 503
    row = delivery(tell(worker, Kind.VOTE_OPEN))
    settle = datetime(2026, 12, 4, 6, 45, tzinfo=SHANGHAI)

    assert deliver_at(settle) == {"deferred": 1}

    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (1, datetime(2026, 12, 4, 7, 0, tzinfo=SHANGHAI))


@pytest.mark.parametrize(
    "start, end, local, until",
    [
        ("22:00", "07:00", "23:30", "2026-12-04 07:00"),
        ("22:00", "07:00", "03:00", "2026-12-03 07:00"),
        ("22:00", "07:00", "07:00", None),
        ("22:00", "07:00", "21:59", None),
        ("12:00", "14:00", "12:00", "2026-12-03 14:00"),
        ("12:00", "14:00", "14:30", None),
    ],
)
def test_quiet_hours_run_across_midnight_or_within_a_day(start, end, local, until):
    from casework.models import NotificationPreference

    hours = [datetime.strptime(t, "%H:%M").time() for t in (start, end)]
    preference = NotificationPreference(quiet_start=hours[0], quiet_end=hours[1])
    now = datetime.strptime(f"2026-12-03 {local}", "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    expected = until and datetime.strptime(until, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)

    assert quiet_until(preference, kind=Kind.WARNING, now=now) == expected
    assert quiet_until(preference, kind=Kind.INCIDENT, now=now) is None


def test_a_channel_given_up_before_sending_is_skipped(gateway, tell, worker):
    reach(worker, ["sms"], phone="13800138000")
    gateway.sms_status = 503
    row = delivery(tell(worker))
    reach(worker, [])

    assert deliver_at(row.next_attempt_at) == {"skipped": 1}
    row.refresh_from_db()
    assert row.status == "skipped" and len(gateway.sms) == 1


def test_a_row_whose_sender_kept_dying_fails_instead_of_looping(gateway, tell, worker, settings):
    reach(worker, ["sms"], phone="13800138000")
    gateway.sms_status = 503
    row = delivery(tell(worker))
    NotificationDelivery.objects.filter(pk=row.pk).update(attempts=settings.NOTIFY_MAX_ATTEMPTS)

    assert deliver_at(row.next_attempt_at) == {"failed": 1}
    assert len(gateway.sms) == 1


def test_operators_see_failed_deliveries_and_masked_phones_in_the_admin(gateway, tell, worker, client, demo):
    reach(worker, ["sms"], phone="13800138000")
    gateway.sms_status = 400
    tell(worker)
    client.force_login(demo.user("admin"))

    outbox = client.get("/admin/casework/notificationdelivery/", {"status": "failed"})
    people = client.get("/admin/casework/notificationpreference/").content.decode()

    assert outbox.status_code == 200 and "HTTP 400" in outbox.content.decode()
    assert "138****8000" in people and "13800138000" not in people
