from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    CLASSIFIED = "classified", _("Assigned")
    HANDLING = "handling", _("Handling")
    CONSULTATION = "consultation", _("In consultation")
    EVALUATING = "evaluating", _("Awaiting evaluation")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class Channel(models.TextChoices):
    HALL = "hall", _("Speak-up hall")
    POINT = "point", _("Speak-up point")
    DOOR_VISIT = "door_visit", _("Door-to-door visit")
    ONLINE = "online", _("Online")
    HOTLINE = "hotline", _("Hotline")
    SNAPSHOT = "snapshot", _("Snapshot")
    OPEN311 = "open311", _("Open311")
    API = "api", _("API")


# The residents' own doors (casework.services.resident) file with these; staff never choose
# them, so a case that shows one came from a resident who knew it would be public.
RESIDENT_CHANNELS = (Channel.ONLINE, Channel.OPEN311)
STAFF_CHANNELS = [
    (value, label) for value, label in Channel.choices if value not in RESIDENT_CHANNELS
]


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Difficulty(models.TextChoices):
    SMALL = "small", _("Small matter")
    URGENT = "urgent", _("Urgent matter")
    HARD = "hard", _("Hard matter")


class Outcome(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    EXPLAINED = "explained", _("Explained")
    NOT_RESPONSIBLE = "not_responsible", _("Not our responsibility")
    UNABLE = "unable", _("Cannot be solved for now")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class RatingSource(models.TextChoices):
    """Who gave the rating: the resident through their follow link, or a staff member
    recording what the resident said on a callback (回访) for one who had not rated."""

    RESIDENT = "resident", _("The resident")
    CALLBACK = "callback", _("Callback")


class CallbackChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
