"""The notification outbox (docs/notifications.md#outbox): one row per notification and
channel, written with the notification, delivered by a Celery task that beat runs every
minute and `notify` kicks after its commit.

A row is claimed in a short transaction (`skip_locked`, then its next attempt pushed past a
lease), sent with no transaction open, and its outcome recorded: sent, retried after
1, 2, 4 … minutes (capped), or failed for good after NOTIFY_MAX_ATTEMPTS or a refusal. Two
workers never claim one row; a worker that dies while sending leaves it to be claimed again
once the lease runs out (at least once — gateways get the row id to drop a repeat).
"""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from .. import channels
from ..models import Notification, NotificationDelivery, NotificationPreference
from .outbox import after_commit

logger = logging.getLogger(__name__)

Status = NotificationDelivery.Status

# Break through quiet hours (docs/notifications.md#quiet-hours): a deadline already missed,
# a timer that stopped working, a case raised to the street. Warnings and invitations wait.
URGENT_KINDS = frozenset(
    {Notification.Kind.BREACH, Notification.Kind.INCIDENT, Notification.Kind.WHISTLE}
)
DELIVER_TIME_BUDGET_SECONDS = 50  # under beat's minute, so runs rarely overlap


def preference_of(user) -> NotificationPreference | None:
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return None


def channel_address(channel: str, user, preference: NotificationPreference | None) -> str:
    """Where `channel` reaches `user`, or "" when it does not (switched off, not chosen, no
    address). No preference row: e-mail to their address, as before channels existed."""
    if channel not in settings.NOTIFY_CHANNELS:
        return ""
    chosen = preference.channels if preference else ["email"]
    if channel not in chosen:
        return ""
    if channel == "email":
        return user.email
    if preference is None:
        return ""
    return preference.phone if channel == "sms" else preference.wechat_openid


def quiet_until(preference: NotificationPreference | None, *, kind: str, now: datetime):
    """When the user's quiet hours end, if `now` falls in them and `kind` may wait; else None."""
    if kind in URGENT_KINDS or preference is None or preference.quiet_start is None:
        return None
    start, end = preference.quiet_start, preference.quiet_end
    local = timezone.localtime(now)
    clock = local.time()
    quiet = start <= clock < end if start < end else clock >= start or clock < end
    if not quiet:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return ends if ends > local else ends + timedelta(days=1)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4 … × NOTIFY_RETRY_SECONDS, capped."""
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** min(attempts - 1, 30)
    return timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_MAX_SECONDS))


def deliveries_create(*, notifications: list[Notification], now: datetime) -> int:
    """Outbox rows for fresh notifications, in the caller's transaction; the deliver task is
    kicked after its commit when any is due at once."""
    users = get_user_model().objects.filter(
        pk__in={n.user_id for n in notifications}
    ).select_related("notification_preference")
    users = {user.pk: user for user in users}
    rows = []
    for notification in notifications:
        user = users[notification.user_id]
        preference = preference_of(user)
        for channel in settings.NOTIFY_CHANNELS:
            if channel_address(channel, user, preference):
                due = quiet_until(preference, kind=notification.kind, now=now) or now
                rows.append(
                    NotificationDelivery(
                        notification=notification, channel=channel, next_attempt_at=due,
                        created_at=now,
                    )
                )
    NotificationDelivery.objects.bulk_create(rows)
    if any(row.next_attempt_at <= now for row in rows):
        after_commit("casework.tasks.notifications_deliver")
    return len(rows)


def _lease() -> timedelta:
    # WeChat may make two calls of up to NOTIFY_TIMEOUT_SECONDS each.
    return timedelta(seconds=2 * settings.NOTIFY_TIMEOUT_SECONDS + 60)


def _claim(now: datetime):
    """The next due row, claimed for sending: (row, message); or "skipped"/"deferred" when
    the due row needed no sending now; or None when nothing is due."""
    with transaction.atomic():
        row = (
            NotificationDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .select_related(
                "notification__case", "notification__user__notification_preference"
            )
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if row is None:
            return None
        mine = NotificationDelivery.objects.filter(pk=row.pk)
        notification = row.notification
        user = notification.user
        preference = preference_of(user)
        address = channel_address(row.channel, user, preference)
        if not address:  # the user chose otherwise since, or removed the address
            mine.update(status=Status.SKIPPED, last_error="no longer chosen or no address")
            return "skipped"
        if row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:  # its sender died each time
            mine.update(status=Status.FAILED, last_error=row.last_error or "no outcome recorded")
            return "failed"
        until = quiet_until(preference, kind=notification.kind, now=now)
        if until is not None:
            mine.update(next_attempt_at=until)
            return "deferred"
        mine.update(attempts=F("attempts") + 1, next_attempt_at=now + _lease())
        row.attempts += 1
        message = channels.Message(
            reference=str(row.pk),
            address=address,
            title=str(notification.get_kind_display()),
            text=notification.message,
            case_reference=notification.case.reference if notification.case else "",
        )
        return row, message


def _record(row: NotificationDelivery, error: Exception | None) -> str:
    """The outcome of one attempt, unless the row was claimed again meanwhile."""
    now = timezone.now()
    mine = NotificationDelivery.objects.filter(
        pk=row.pk, status=Status.PENDING, attempts=row.attempts
    )
    if error is None:
        mine.update(status=Status.SENT, sent_at=now, last_error="")
        return "sent"
    reason = str(error)[:200]
    if isinstance(error, channels.Refused) or row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        mine.update(status=Status.FAILED, last_error=reason)
        logger.warning("delivery %s via %s failed for good: %s", row.pk, row.channel, reason)
        return "failed"
    mine.update(next_attempt_at=now + backoff(row.attempts), last_error=reason)
    return "retry"


def notifications_deliver(*, limit: int = 500) -> dict[str, int]:
    """Send the due outbox rows one by one, until none is due, `limit` were looked at or the
    time budget is spent; returns how many ended each way."""
    outcomes: Counter = Counter()
    started = time.monotonic()
    with translation.override(settings.LANGUAGE_CODE):
        for _ in range(limit):
            if time.monotonic() - started > DELIVER_TIME_BUDGET_SECONDS:
                break
            claimed = _claim(timezone.now())
            if claimed is None:
                break
            if isinstance(claimed, str):
                outcomes[claimed] += 1
                continue
            row, message = claimed
            try:
                channels.ADAPTERS[row.channel](message)
            except (channels.Retry, channels.Refused) as exc:
                error = exc
            except Exception as exc:  # a bug in one adapter must not stall the others
                logger.exception("delivery %s via %s raised", row.pk, row.channel)
                error = channels.Retry(type(exc).__name__)
            else:
                error = None
            outcomes[_record(row, error)] += 1
    return dict(outcomes)
