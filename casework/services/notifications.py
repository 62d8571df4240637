"""Notifications are rows (an inbox per user); each also goes out through the channels its
user chose, by way of the delivery outbox (docs/notifications.md)."""

from django.utils import timezone

from ..models import Case, Membership, Notification, Role
from .notification_delivery import deliveries_create


def unit_members(unit_id: int | None) -> list[int]:
    if unit_id is None:
        return []
    return list(
        Membership.objects.filter(role=Role.UNIT_MEMBER, unit_id=unit_id).values_list("user_id", flat=True)
    )


def street_supervisors(case: Case) -> list[int]:
    return list(
        Membership.objects.filter(role=Role.SUPERVISOR, street__communities=case.community_id)
        .values_list("user_id", flat=True)
    )


def community_dispatchers(case: Case) -> list[int]:
    return list(
        Membership.objects.filter(role=Role.DISPATCHER, community_id=case.community_id)
        .values_list("user_id", flat=True)
    )


def notify(*, user_ids, case: Case | None, kind: str, message: str) -> list[Notification]:
    """The one way to tell people something: an inbox row each, and its outbox rows, in the
    caller's transaction (so a rolled-back change tells nobody)."""
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(user_id=uid, case=case, kind=kind, message=message[:300], created_at=now)
        for uid in dict.fromkeys(user_ids)
    )
    if rows:
        deliveries_create(notifications=rows, now=now)
    return rows


def notification_mark_read(*, user, notification_ids=None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def party_representatives(case: Case, parties=None) -> list[int]:
    """The six parties' representatives in the case's community (or only those of `parties`)."""
    members = Membership.objects.filter(role=Role.PARTY_REPRESENTATIVE, community_id=case.community_id)
    if parties is not None:
        members = members.filter(party__in=list(parties))
    return list(members.values_list("user_id", flat=True))
