"""The residents' doors (docs/architecture.md#overview, docs/states.md, docs/api.md#open311): a
concern filed from the public form or by an Open311 client, the resident's rating through the case's
private follow link, and the Open311 API keys.

Both doors file an ordinary case through `case_collect`, acting as PUBLIC_INTAKE (which the
rules let file into the grid the door located), with channel `online` (the form) or
`open311`. Beside the case they record a `PublicIntake`: the follow token's hash, the
Open311 extras and the photo. The follow token is the resident's proof: whoever holds it
acts as `resident_of(case)`, which the rules let rate that one case.
"""

import os
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from workflows.actors import PUBLIC_INTAKE, resident_of
from workflows.geo import gcj02_to_wgs84

from ..errors import Conflict, Invalid
from ..models import ApiKey, Case, PublicIntake
from ..resident_inputs import GCJ02, ResidentReportInput, answers_clean
from ..resident_selectors import grid_locate, intake_by_token
from ..tokens import secret_hash, secret_new
from .cases import case_collect, case_transition

# What Pillow must find inside an upload for it to count as a photo, and the extension the
# stored file gets (the name the phone sent is ignored).
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
API_KEY_PREFIX = "o311_"
TITLE_EXCERPT = 40


def photo_checked(upload) -> ContentFile:
    """The upload as a file to store, if it is a photo within the size limit; Invalid
    otherwise. The content decides, not the name or the browser's content type."""
    limit = settings.PUBLIC_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise Invalid(
            fields={
                "photo": [_("The photo is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]
            }
        )
    not_a_photo = Invalid(
        fields={"photo": [_("This file is not a photo (JPEG, PNG, WebP or GIF).")]}
    )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            detected = image.format
            image.verify()  # reads the whole file: a truncated or forged one fails here
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise not_a_photo from exc
    if detected not in PHOTO_FORMATS:
        raise not_a_photo
    upload.seek(0)
    return ContentFile(upload.read(), name=f"photo{PHOTO_FORMATS[detected]}")


# What a number is written with; a title never ends in part of one.
_NUMBER_TAIL = re.compile(r"[\dXx+＋()（）\-－\s]+$")


def _title(category, description: str) -> str:
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    excerpt = Truncator(first_line).chars(TITLE_EXCERPT)
    if excerpt != first_line:
        # Cut before a number rather than through it: half a phone number is too short to
        # be recognised and masked (casework.privacy), and would be shown as it is.
        kept = os.path.commonprefix([excerpt, first_line])
        excerpt = _NUMBER_TAIL.sub("", kept) + excerpt[len(kept) :]
    return f"{category.name} · {excerpt}"[:200] if excerpt else category.name


def resident_case_file(
    *,
    channel: str,
    data: dict,
    answers: dict[str, list[str]] | None = None,
    photo=None,
    api_key: ApiKey | None = None,
    description_required: bool = False,
) -> tuple[Case, str]:
    """File a resident's report; return the case and its follow token (shown once, only its
    hash is kept). Every problem with the report, its answers and its photo is raised at
    once as Invalid, and then nothing is written."""
    errors: dict = {}
    report = ResidentReportInput(data=data, description_required=description_required)
    clean = report.validated_data if report.is_valid() else None
    if clean is None:
        errors.update(report.errors)
    recorded: list[dict] = []
    if clean is not None:
        recorded, problems = answers_clean(clean["category"], answers or {})
        errors.update(problems)
    photo_file = None
    if photo is not None:
        try:
            photo_file = photo_checked(photo)
        except Invalid as exc:
            errors.update(exc.fields)
    if errors:
        raise Invalid(fields=errors)

    lat, long = clean["lat"], clean["long"]
    if lat is not None and clean["coordinate_system"] == GCJ02:
        lat, long = gcj02_to_wgs84(lat, long)
    grid = grid_locate(grid=clean["grid"], lat=lat, long=long)
    category = clean["category"]
    token = secret_new()
    with transaction.atomic():
        case = case_collect(
            actor=PUBLIC_INTAKE,
            channel=channel,
            data={
                "title": _title(category, clean["description"]),
                "description": clean["description"],
                "grid": grid.pk,
                "address": clean["address"],
                "lat": lat,
                "long": long,
                "reporter_name": clean["reporter_name"],
                "reporter_phone": clean["reporter_phone"],
                "category": category.pk,
            },
        )
        PublicIntake.objects.create(
            case=case,
            follow_token_hash=secret_hash(token),
            api_key=api_key,
            attributes=recorded,
            media_url=clean["media_url"],
            photo=photo_file,
            email=clean["email"],
            device_id=clean["device_id"],
            account_id=clean["account_id"],
            created_at=case.created_at,
        )
        if api_key is not None:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=case.created_at)
    return case, token


def resident_rate(*, token: str, version, data: dict) -> Case:
    """The resident rates their case through its follow link, once it is resolved
    (`evaluating`). Their rating is final for the round (staff cannot overwrite it:
    `workflows.case_lifecycle`); a round already rated (by them, or on a staff callback)
    keeps that rating: the resident is told so (409)."""
    case = intake_by_token(token).case
    if case.satisfaction:
        raise Conflict(_("This case has been rated already."), code="already_rated")
    payload = {"satisfaction": data.get("satisfaction", ""), "comment": data.get("comment", "")}
    return case_transition(
        actor=resident_of(case.pk), case_id=case.pk, name="rate", payload=payload, version=version
    )


# ---------------------------------------------------------------- Open311 API keys


def api_key_create(*, name: str) -> tuple[ApiKey, str]:
    """A new key for an Open311 client; the key itself is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(fields={"name": [_("Give the key a name of at most 100 characters.")]})
    raw = secret_new(prefix=API_KEY_PREFIX)
    key = ApiKey.objects.create(
        name=name, prefix=raw[:16], key_hash=secret_hash(raw), created_at=timezone.now()
    )
    return key, raw


def api_key_revoke(*, key_ids, at=None) -> int:
    """Revoke the keys (already revoked ones keep their time); returns how many changed."""
    return ApiKey.objects.filter(pk__in=list(key_ids), revoked_at__isnull=True).update(
        revoked_at=at or timezone.now()
    )
