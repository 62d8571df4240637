"""Open311 API keys: `create_api_key --name` prints a key once and keeps only its hash; the
admin revokes keys, and a revoked key is refused."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from casework.models import ApiKey

from .conftest import post_request, report_fields

pytestmark = pytest.mark.django_db


def create_key(name="街道随手拍小程序") -> str:
    out, err = StringIO(), StringIO()
    call_command("create_api_key", name=name, stdout=out, stderr=err)
    assert "not shown again" in err.getvalue()
    return out.getvalue().strip()


def test_the_command_prints_a_key_that_works_and_stores_only_its_hash(doors, client):
    raw = create_key()

    key = ApiKey.objects.get()
    assert raw.startswith("o311_") and len(raw) > 40
    assert key.name == "街道随手拍小程序" and raw.startswith(key.prefix)
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {getattr(key, f.attname) for f in ApiKey._meta.concrete_fields}
    assert post_request(client, **report_fields(raw)).status_code == 201


def test_every_key_is_new(doors):
    assert create_key("a") != create_key("b")
    assert ApiKey.objects.count() == 2


def test_a_key_needs_a_name(doors):
    with pytest.raises(CommandError):
        call_command("create_api_key", name="  ", stdout=StringIO(), stderr=StringIO())


def test_the_admin_revokes_a_key(doors, client, admin_user):
    raw = create_key()
    keep = create_key("留着的")
    key = ApiKey.objects.get(name="街道随手拍小程序")
    admin = Client()
    admin.force_login(admin_user)

    listing = admin.get("/admin/casework/apikey/")
    assert listing.status_code == 200 and key.prefix in listing.content.decode()
    response = admin.post(
        "/admin/casework/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )

    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert post_request(client, **report_fields(raw)).status_code == 403
    assert post_request(client, **report_fields(keep)).status_code == 201


def test_the_admin_cannot_add_or_delete_keys(doors, admin_user):
    admin = Client()
    admin.force_login(admin_user)

    assert admin.get("/admin/casework/apikey/add/").status_code == 403


def test_the_admin_shows_an_intake_with_a_link_to_its_photo_not_its_token(
    doors, admin_user, client
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework.models import PublicIntake

    from .conftest import png_bytes

    form = {"category": "env-garbage", "description": "垃圾桶满了", "address": "3号楼"}
    photo = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    assert client.post("/report/", {**form, "photo": photo}).status_code == 302
    intake = PublicIntake.objects.select_related("case").get()
    admin = Client()
    admin.force_login(admin_user)

    page = admin.get(f"/admin/casework/publicintake/{intake.pk}/change/").content.decode()

    assert f'href="/cases/{intake.case.reference}/photo/"' in page
    assert intake.follow_token_hash not in page
