"""Each person's own notification preferences (docs/notifications.md#preferences): read and
changed only by that person, through the page and the API alike."""

import json
import re
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..errors import Invalid
from ..inputs import NotificationPreferenceInput, validated
from ..models import NotificationPreference

# A mainland mobile: 11 digits from 13x to 19x, after an optional +86/0086/86.
MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9][0-9]{9})")
OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
FIELDS = ("channels", "phone", "wechat_openid", "quiet_start", "quiet_end")


def notification_preference_get(*, user) -> NotificationPreference:
    """The user's preferences; unsaved defaults (e-mail if they have an address) when none."""
    found = NotificationPreference.objects.filter(user=user).first()
    if found is not None:
        return found
    return NotificationPreference(
        user=user,
        channels=["email"] if user.email and "email" in settings.NOTIFY_CHANNELS else [],
        updated_at=timezone.now(),
    )


def _problems(user, channels, phone, wechat_openid, quiet_start, quiet_end) -> dict:
    problems: dict[str, list] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    unknown = [c for c in channels if c not in settings.NOTIFY_CHANNELS]
    if unknown:
        names = ", ".join(map(str, unknown))
        add("channels", _("Not a channel you can choose: %(names)s.") % {"names": names})
    if len(set(channels)) != len(channels):
        add("channels", _("Each channel once."))
    if phone and not MOBILE.fullmatch(phone):
        add("phone", _("Enter a mainland mobile number of 11 digits, like 13800138000."))
    if wechat_openid and not OPENID.fullmatch(wechat_openid):
        add("wechat_openid", _("An openid is 6 to 64 letters, digits, - or _."))
    if "sms" in channels and not phone:
        add("phone", _("SMS needs your mobile number."))
    if "wechat" in channels and not wechat_openid:
        add("wechat_openid", _("WeChat needs your openid."))
    if "email" in channels and not user.email:
        add("channels", _("E-mail needs an address on your account; ask an administrator."))
    if (quiet_start is None) != (quiet_end is None):
        missing = "quiet_end" if quiet_end is None else "quiet_start"
        add(missing, _("Give both ends of the quiet hours, or neither."))
    elif quiet_start is not None and quiet_start == quiet_end:
        add("quiet_end", _("Quiet hours must end at another time than they start."))
    return problems


def notification_preference_update(*, user, data) -> NotificationPreference:
    """Replace the user's preferences with `data` (see NotificationPreferenceInput), or change
    nothing and raise Invalid naming each problem. The change is logged in the admin's
    history by field name only: the phone is personal data."""
    clean = validated(NotificationPreferenceInput, data)
    channels, quiet_start, quiet_end = clean["channels"], clean["quiet_start"], clean["quiet_end"]
    phone = re.sub(r"[\s-]", "", clean["phone"])
    wechat_openid = clean["wechat_openid"].strip()
    problems = _problems(user, channels, phone, wechat_openid, quiet_start, quiet_end)
    if problems:
        raise Invalid(fields=problems)
    values = {
        "channels": [c for c in settings.NOTIFY_CHANNELS if c in channels],  # one order
        "phone": MOBILE.fullmatch(phone).group(1) if phone else "",
        "wechat_openid": wechat_openid,
        "quiet_start": quiet_start.replace(second=0, microsecond=0) if quiet_start else None,
        "quiet_end": quiet_end.replace(second=0, microsecond=0) if quiet_end else None,
    }
    with transaction.atomic():
        preference, created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user, defaults={**values, "updated_at": timezone.now()}
        )
        changed = FIELDS if created else [f for f in FIELDS if getattr(preference, f) != values[f]]
        if not changed:
            return preference
        for field in changed:
            setattr(preference, field, values[field])
        preference.updated_at = timezone.now()
        preference.save(update_fields=[*changed, "updated_at"])
        LogEntry.objects.create(
            user_id=user.pk,
            content_type=ContentType.objects.get_for_model(NotificationPreference),
            object_id=str(preference.pk),
            object_repr=str(user)[:200],
            action_flag=CHANGE,
            change_message=json.dumps([{"changed": {"fields": list(changed)}}]),
        )
    return preference
