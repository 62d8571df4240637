"""Retention (docs/privacy.md#retention): a resident's contact details leave a case
RETENTION_MONTHS after it was closed or rejected.

What goes: the reporter's name and phone; on the residents' doors' record (PublicIntake)
the e-mail, device and account ids, the media link and the photo (a photo of someone's home
or face is personal data, and nothing later needs it); in every free text of the case, its
events' payloads, its consultations' options and minutes and its notifications, every
phone and ID number (all digits) and the reporter's name. What stays: the case's place
(address and coordinates, where the problem was), its category, states, outcome and
rating, and every id, choice and time in the log, so replay (workflows.replay) and the
frozen evaluation reports (`verify_evaluation`) read the same as before.

The log is append-only except here: the payload strings are rewritten in place, and an
`anonymised` event (which sets no field, so replay passes over it) records that it
happened and what it touched, in the same transaction.
"""

import posixpath
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from workflows.actors import SYSTEM
from workflows.case_states import State

from ..models import Case, CaseEvent, Consultation, ConsultationOption, Notification, PublicIntake
from ..privacy import TEXT_FIELDS, payload_masked, personal_data_masked, reporter_names
from .case_events import case_event_append
from .outbox import after_commit

FINAL = {State.CLOSED: "close", State.REJECTED: "reject"}
ANONYMISED = "anonymised"
# Payload values that are choices, ids, references or times: replay and the evaluation read
# them, and none is a resident's words, so they are kept exactly (a Latin reporter name
# could otherwise mask a choice such as `fixed`).
PAYLOAD_KEPT = frozenset({
    "channel", "grid", "category", "urgency", "difficulty", "unit", "outcome", "satisfaction",
    "source", "called_at", "unrated", "evaluation", "public_consent", "duplicate_of", "mode",
    "starts_at", "clock", "due_at", "consultation", "party", "option", "changed", "ballots",
    "tally", "winner", "present",
})  # fmt: skip
BATCH = 100
PHOTO_FOLDER = "resident-photos/"  # casework.models.open311's upload path


def retention_cutoff(*, now: datetime) -> datetime:
    return now - relativedelta(months=settings.RETENTION_MONTHS)


def cases_due(*, now: datetime) -> QuerySet[Case]:
    """Closed or rejected before the cutoff and not anonymised yet. Closed and rejected are
    final, so the event that ended the case is its only close or reject."""
    ended = CaseEvent.objects.filter(
        case=OuterRef("pk"), transition__in=FINAL.values(), at__lt=retention_cutoff(now=now)
    )
    done = CaseEvent.objects.filter(case=OuterRef("pk"), transition=ANONYMISED)
    return Case.objects.filter(state__in=FINAL).filter(Exists(ended)).exclude(Exists(done))


def cases_anonymise_due(*, now: datetime | None = None, dry_run: bool = False,
                        batch_size: int = BATCH) -> int:
    """Anonymise every case due at `now`, a batch per transaction; how many (with
    `dry_run`, how many are due, and nothing changes). Two workers at once share the work:
    each locks its batch and skips the rows the other holds."""
    now = now or timezone.now()
    if dry_run:
        return cases_due(now=now).count()
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                cases_due(now=now).select_for_update(skip_locked=True).order_by("pk")[:batch_size]
            )
            for case in batch:
                _case_anonymise(case, now=now)
        if not batch:
            return done
        done += len(batch)


def _scrubbed(text: str, names) -> str:
    return personal_data_masked(text, names=names, whole=True)


def _payload_scrubbed(payload: dict, names) -> dict:
    return {
        key: value if key in PAYLOAD_KEPT else payload_masked(value, names=names, whole=True)
        for key, value in payload.items()
    }


def _case_anonymise(case: Case, *, now: datetime) -> None:
    names = reporter_names(case)
    for name in TEXT_FIELDS:
        setattr(case, name, _scrubbed(getattr(case, name), names))
    case.reporter_name = case.reporter_phone = ""
    case.save(update_fields=[*TEXT_FIELDS, "reporter_name", "reporter_phone"])

    events = 0
    for pk, payload in CaseEvent.objects.filter(case=case).values_list("pk", "payload"):
        scrubbed = _payload_scrubbed(payload, names)
        if scrubbed != payload:
            # The one rewrite of the log (see the module): its strings, never its facts.
            CaseEvent.objects.filter(pk=pk).update(payload=scrubbed)
            events += 1
    for consultation in Consultation.objects.filter(case=case).only("pk", "minutes", "place"):
        Consultation.objects.filter(pk=consultation.pk).update(
            minutes=_scrubbed(consultation.minutes, names),
            place=_scrubbed(consultation.place, names),
        )
    for option in ConsultationOption.objects.filter(consultation__case=case).only("pk", "text"):
        ConsultationOption.objects.filter(pk=option.pk).update(text=_scrubbed(option.text, names))
    for notification in Notification.objects.filter(case=case).only("pk", "message"):
        Notification.objects.filter(pk=notification.pk).update(
            message=_scrubbed(notification.message, names)
        )
    photo_deleted = _intake_anonymise(case, names)

    case_event_append(
        case=case,
        transition=ANONYMISED,
        actor=SYSTEM,
        at=now,
        payload={
            "retention_months": settings.RETENTION_MONTHS,
            "events_scrubbed": events,
            "photo_deleted": photo_deleted,
        },
    )


def _intake_anonymise(case: Case, names) -> bool:
    """Blank what the residents' door recorded about the person; True if a photo goes. A
    task deletes the file once the transaction commits: a rollback keeps row and file."""
    intake = PublicIntake.objects.filter(case=case).first()
    if intake is None:
        return False
    photo = intake.photo.name
    intake.email = intake.device_id = intake.account_id = intake.media_url = ""
    intake.attributes = payload_masked(intake.attributes, names=names, whole=True)
    intake.photo = ""
    intake.save(
        update_fields=["email", "device_id", "account_id", "media_url", "attributes", "photo"]
    )
    if photo:
        after_commit("casework.tasks.resident_photo_delete", photo)
    return bool(photo)


def resident_photo_delete(*, name: str) -> bool:
    """Delete a resident's photo file no intake refers to any more; False if there is
    none (already deleted: the task may run twice) or a row still uses it."""
    in_folder = posixpath.normpath(name) == name and name.startswith(PHOTO_FOLDER)
    if not in_folder or PublicIntake.objects.filter(photo=name).exists():
        return False
    storage = PublicIntake._meta.get_field("photo").storage
    if not storage.exists(name):
        return False
    storage.delete(name)
    return True
