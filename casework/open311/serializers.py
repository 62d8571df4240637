"""Between GeoReport v2 and Casework: the documents Open311 answers with, and a POSTed
request's fields in the names the residents' service reads."""

import re
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from workflows.case_states import State

from ..input_guard import moment_in_range
from ..models import Case, Category
from ..privacy import case_texts
from ..resident_selectors import expected_at, is_closed_for_open311

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's services or behaviour last changed in a way clients should notice.
CHANGESET = "2026-06-01T00:00:00+08:00"


def when(moment: datetime | None) -> str | None:
    """ISO 8601 with the offset, in the office's time zone: 2026-05-01T09:30:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


# ---------------------------------------------------------------- documents


def discovery_out(*, url: str, contact: str, key_service: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service_out(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": str(category),
        "metadata": category.has_attributes,
        "type": "realtime",
        "keywords": category.keywords or None,
        "group": category.parent.name if category.parent_id else category.name,
    }


def service_definition_out(category: Category) -> dict:
    attributes = []
    for attribute in category.service_attributes.all():
        item = {
            "variable": True,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description or None,
            "order": attribute.order,
            "description": attribute.description,
        }
        if attribute.values:
            item["values"] = [
                {"key": str(v["key"]), "name": str(v["name"])} for v in attribute.values
            ]
        attributes.append(item)
    return {"service_code": category.code, "attributes": attributes}


def _status_notes(case: Case, resolution: str) -> str:
    if case.state == State.REJECTED:
        if case.duplicate_of_id:
            return _("Not accepted: it repeats %(reference)s.") % {
                "reference": case.duplicate_of.reference
            }
        return _("Not accepted.")
    if case.state in (State.EVALUATING, State.CLOSED) and case.outcome:
        note = _("Resolved: %(outcome)s.") % {"outcome": case.get_outcome_display()}
        if case.state == State.EVALUATING:
            note += " " + _("Waiting for the resident's evaluation.")
        if resolution:
            note += " " + _("What was done: %(resolution)s") % {"resolution": resolution}
        return note
    return str(case.get_state_display())


def request_out(case: Case) -> dict:
    """A case as a GeoReport v2 service request. Never the reporter's name, phone or e-mail,
    nor the resident's photo (that stays with the staff); phone and ID numbers and the
    reporter's name in its texts are masked."""
    intake = getattr(case, "public_intake", None)
    text = case_texts(case, masked=True)
    return {
        "service_request_id": case.reference,
        "status": "closed" if is_closed_for_open311(case) else "open",
        "status_notes": _status_notes(case, text.resolution),
        "service_name": case.category.name if case.category_id else None,
        "service_code": case.category.code if case.category_id else "",
        "description": text.description,
        "agency_responsible": case.unit.name if case.unit_id else None,
        "service_notice": None,
        "requested_datetime": when(case.created_at),
        "updated_datetime": when(case.updated_at),
        "expected_datetime": when(expected_at(case)),
        "address": text.address or None,
        "address_id": case.grid.code,
        "zipcode": None,
        "lat": float(case.lat) if case.lat is not None else None,
        "long": float(case.long) if case.long is not None else None,
        "media_url": (intake.media_url or None) if intake else None,
    }


def request_created_out(case: Case, *, token: str, account_id: str) -> dict:
    return {
        "service_request_id": case.reference,
        "token": token,
        "service_notice": _(
            "Received as %(reference)s. Keep the token: it opens the resident's private "
            "follow page (/follow/<token>/), where the case can be rated once resolved."
        )
        % {"reference": case.reference},
        "account_id": account_id or None,
    }


# ---------------------------------------------------------------- what a POST carries

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Open311 names → the residents' service's names (for messages about a field).
FIELD_NAMES = {
    "category": "service_code",
    "address": "address_string",
    "grid": "address_id",
    "reporter_name": "first_name",
    "reporter_phone": "phone",
}


def reporter_name(first: str, last: str) -> str:
    """Chinese names read family name first, with no space; others "first last"."""
    first, last = first.strip(), last.strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def report_from_post(post) -> dict:
    def get(name):
        return post.get(name, "").strip()

    phone = re.sub(r"[().]", "", get("phone"))
    return {
        "category": get("service_code"),
        "description": post.get("description", ""),
        "address": get("address_string"),
        "grid": get("address_id") or None,
        "lat": get("lat") or None,
        "long": get("long") or None,
        "coordinate_system": get("coordinate_system").lower() or "wgs84",
        "reporter_name": reporter_name(get("first_name"), get("last_name")),
        "reporter_phone": phone,
        "email": get("email"),
        "device_id": get("device_id"),
        "account_id": get("account_id"),
        "media_url": get("media_url"),
    }


def answers_from_post(post) -> dict[str, list[str]]:
    """`attribute[code]=v` and, for multivaluelist, `attribute[code][]=v1&attribute[code][]=v2`."""
    answers: dict[str, list[str]] = {}
    for name in post:
        match = _ATTRIBUTE.match(name)
        if match:
            answers.setdefault(match.group(1), []).extend(post.getlist(name))
    return answers


def error_descriptions(fields: dict) -> list[str]:
    """Invalid.fields as one "field: message" line each, in Open311's field names."""
    lines = []
    for name, messages in fields.items():
        for message in _flat(messages):
            lines.append(f"{FIELD_NAMES.get(name, name)}: {message}")
    return lines


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


# ---------------------------------------------------------------- GET requests' filters

WINDOW = timedelta(days=90)


class FilterError(ValueError):
    pass


def _moment(name: str, raw: str) -> datetime:
    # A "+" in an unencoded query string arrives as a space: 2026-05-01T00:00:00 08:00.
    raw = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw.strip())
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise FilterError(
            _("%(name)s: give a date and time like 2026-05-01T00:00:00+08:00.") % {"name": name}
        )
    try:
        moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    except OverflowError:
        moment = None
    if moment is None or not moment_in_range(moment):
        raise FilterError(
            _("%(name)s: give a date between the years 2000 and 2099.") % {"name": name}
        )
    return moment


def request_filters(params, *, now: datetime) -> dict:
    """The GET requests filters, checked: service_request_id (a list) overrides the others;
    start_date/end_date span at most 90 days and default to the last 90; status is open,
    closed or both; service_code a list."""
    references = [r.strip() for r in params.get("service_request_id", "").split(",") if r.strip()]
    if references:
        return {"references": references}
    start_raw, end_raw = params.get("start_date", ""), params.get("end_date", "")
    start = _moment("start_date", start_raw) if start_raw.strip() else None
    end = _moment("end_date", end_raw) if end_raw.strip() else None
    if end is None:
        end = start + WINDOW if start is not None else now
    if start is None:
        start = end - WINDOW
    if start > end:
        raise FilterError(_("start_date must come before end_date."))
    if end - start > WINDOW:
        raise FilterError(_("start_date and end_date may be at most 90 days apart."))
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise FilterError(_("status: give open, closed or both."))
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    return {"start": start, "end": end, "statuses": statuses, "codes": codes}
