"""Finding cases (docs/api.md#finding-cases): the words a person types into a list's search
box, and which cases are overdue. Shared by the case lists' pages and the API's filters."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SlaTimer

SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 6
# Seven digits or more is (part of) a phone or ID number: a reader who only sees them
# masked must not learn them by searching (docs/privacy.md). Four digits find a caller.
LONG_NUMBER = re.compile(r"[0-9]{7,}")
REFERENCE = re.compile(r"[A-Za-z]{1,8}-[0-9]{6}-[0-9]{1,8}")
SEPARATORS = re.compile(r"[\s\-]")
PHONE_TAIL = re.compile(r"[0-9]{4}")


def search_words(text: str) -> list[str]:
    """The words of a search, full-width characters folded (５６７８ → 5678)."""
    return unicodedata.normalize("NFKC", text).split()[:SEARCH_MAX_WORDS]


def search_valid(text: str) -> None:
    """Refuses a long number, however it is spaced or hyphenated (138 1234 5678); a case
    reference (SS-202612-000038) is not one."""
    words = unicodedata.normalize("NFKC", text).split()
    rest = "".join(word for word in words if not REFERENCE.fullmatch(word))
    if LONG_NUMBER.search(SEPARATORS.sub("", rest)):
        raise ValidationError(
            _("Search a phone number by its last 4 digits."), code="long_number"
        )


def search_q(text: str) -> Q:
    """Every word must match: the reference, the title, the description or the address; a
    word of 4 digits also matches the last 4 digits of the reporter's phone."""
    q = Q()
    for word in search_words(text):
        match = (
            Q(reference__icontains=word)
            | Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(address__icontains=word)
        )
        if PHONE_TAIL.fullmatch(word):
            match |= Q(reporter_phone__endswith=word)
        q &= match
    return q


def day_valid(day) -> None:
    """Dates outside this century are typing mistakes (and 9999-12-31 has no next day)."""
    if not 2000 <= day.year <= 2099:
        raise ValidationError(_("Use a date between 2000 and 2099."), code="date_range")


def owed_timers():
    """The clocks of the outer case whose step is still owed: not stopped (running, paused,
    breached or given up on)."""
    return SlaTimer.objects.filter(case=OuterRef("pk"), stopped_at__isnull=True).exclude(
        state=SlaTimer.State.STOPPED
    )


def overdue_q(now=None) -> Q:
    """A step is owed and its deadline has passed."""
    return Q(Exists(owed_timers().filter(due_at__lte=now or timezone.now())))
