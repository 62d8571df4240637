"""The six-party consultation's vocabulary (docs/consultation.md#parties)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The six parties, in the order pages list them; the same codes as casework's `Party`.
PARTIES = (
    "party_committee",
    "residents_committee",
    "department",
    "local_unit",
    "property",
    "owners_committee",
)
# On a tie, the option of the community Party committee (社区党委) wins if it is among the tied.
TIE_BREAKER = "party_committee"
ABSTAIN = "abstain"


class Mode(models.TextChoices):
    """小事线上议、急事现场议、难事会场议."""

    # A context: "Online" is a channel too, and the two read differently in Chinese.
    ONLINE = "online", pgettext_lazy("consultation mode", "Online")
    ON_SITE = "on_site", pgettext_lazy("consultation mode", "On site")
    HALL = "hall", pgettext_lazy("consultation mode", "In the hall")


# Meetings in person carry a place and a time, and minutes with attendance afterwards.
MEETING_MODES = frozenset({Mode.ON_SITE, Mode.HALL})


class ConsultationState(models.TextChoices):
    DRAFTING = "drafting", _("Options to be written")
    VOTING = "voting", _("Voting")
    DECIDED = "decided", _("Decided by vote")
    UNDECIDED = "undecided", _("Handed to the supervisor")


OPEN_STATES = frozenset({ConsultationState.DRAFTING, ConsultationState.VOTING})
CLOSED_STATES = frozenset({ConsultationState.DECIDED, ConsultationState.UNDECIDED})
