"""Everything Casework holds about one resident, found by their phone number, for a request
under 个人信息保护法 (docs/privacy.md#export).

Who: those who read reporters' phones anyway (`Actor.sees_phone_numbers`) — a community's
dispatchers, for the cases of their communities, and superusers, for all. Everyone else is
refused (403) before the number is even read. Each export writes its audit row
(ResidentDataExport) in the transaction that reads the data.
"""

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from workflows.actors import Actor

from ..errors import Forbidden, Invalid
from ..models import Case, PublicIntake, ResidentDataExport
from ..phone import phone_masked, phone_normalised

CASE_FIELDS = (
    "reference", "title", "description", "channel", "state", "address", "lat", "long",
    "reporter_name", "reporter_phone", "urgency", "resolution", "outcome", "satisfaction",
    "rating_comment", "rating_source", "reject_reason", "public_consent", "created_at",
    "updated_at",
)  # fmt: skip


def phone_hash(number: str) -> str:
    """Keyed with SECRET_KEY: a phone number has too few digits for a plain hash to hide it."""
    return salted_hmac("casework.resident-data-export", number, algorithm="sha256").hexdigest()


def _cases_of(number: str, actor: Actor):
    """The actor's cases whose reporter phone is `number` however it was typed. The database
    narrows by the digits at the end (separators stripped), Python compares exactly."""
    cases = Case.objects.all() if actor.is_superuser else Case.objects.filter(
        community__in=actor.dispatch_communities
    )
    stripped = Replace(Replace("reporter_phone", Value(" "), Value("")), Value("-"), Value(""))
    candidates = (
        cases.annotate(stripped_phone=stripped)
        .filter(stripped_phone__endswith=number.lstrip("0"))
        .select_related("community", "grid", "category", "unit")
        .prefetch_related("events")
        .order_by("created_at", "pk")
    )
    return [case for case in candidates if phone_normalised(case.reporter_phone) == number]


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _case_record(case: Case, intake: PublicIntake | None) -> dict:
    record = {name: _iso(getattr(case, name)) for name in CASE_FIELDS}
    record.update(
        lat=None if case.lat is None else str(case.lat),
        long=None if case.long is None else str(case.long),
        community=case.community.name,
        grid=case.grid.name,
        category=case.category.name if case.category else None,
        unit=case.unit.name if case.unit else None,
        events=[
            {
                "seq": event.seq,
                "kind": event.transition,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "at": event.at.isoformat(),
                "payload": event.payload,
            }
            for event in case.events.all()
        ],
        public_intake=None if intake is None else {
            "created_at": intake.created_at.isoformat(),
            "email": intake.email,
            "device_id": intake.device_id,
            "account_id": intake.account_id,
            "media_url": intake.media_url,
            "answers": intake.attributes,
            "has_photo": bool(intake.photo),
        },
    )  # fmt: skip
    return record


def resident_data_export(*, actor: Actor, phone: str, door: str) -> dict:
    """The resident's cases within the actor's reach, with their events and what the
    residents' doors recorded, as JSON-ready data; audited. Invalid for a number that is no
    mainland mobile or landline (then nothing is written)."""
    if actor.user_id is None or not actor.sees_phone_numbers():
        raise Forbidden(_("Only dispatchers and superusers export a resident's data."))
    number = phone_normalised(phone if isinstance(phone, str) else "")
    if number is None:
        raise Invalid(
            fields={"phone": [_("Enter a mainland mobile or landline number, e.g. 13812345678.")]}
        )
    now = timezone.now()
    with transaction.atomic():
        cases = _cases_of(number, actor)
        intakes = {i.case_id: i for i in PublicIntake.objects.filter(case__in=[c.pk for c in cases])}
        records = [_case_record(case, intakes.get(case.pk)) for case in cases]
        ResidentDataExport.objects.create(
            actor_id=actor.user_id,
            at=now,
            door=door,
            phone_hash=phone_hash(number),
            phone_masked=phone_masked(number),
            cases=len(records),
            events=sum(len(r["events"]) for r in records),
            intakes=len(intakes),
        )
    return {"phone": number, "exported_at": now.isoformat(), "cases": records}
