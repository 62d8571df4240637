"""Residents' photos live in whatever STORAGES["default"] names (docs/deployment.md#media):
the filesystem under MEDIA_ROOT by default, an S3-compatible bucket with MEDIA_STORAGE=s3.
Upload and the staff view go through the storage API, so a bucket shared by every web
machine works like the local folder."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import png_bytes
from .test_public_pages import filed, staff

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_photo_is_stored_and_served_through_the_default_storage(doors, client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    case, _ = filed(client, photo=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"))

    name = case.public_intake.photo.name
    assert type(default_storage._wrapped).__name__ == "InMemoryStorage"
    with default_storage.open(name) as stored:
        assert stored.read() == png_bytes()
    assert not Path(settings.MEDIA_ROOT, name).exists(), "nothing written under MEDIA_ROOT"
    image = staff("dispatcher").get(f"/cases/{case.reference}/photo/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == png_bytes()
    assert staff("outsider").get(f"/cases/{case.reference}/photo/").status_code == 404


def storage_seen(**env) -> subprocess.CompletedProcess:
    """The default storage a fresh process builds from these environment variables."""
    code = (
        "import django, json; django.setup()\n"
        "from django.core.files.storage import default_storage as s\n"
        "s._setup(); s = s._wrapped\n"
        "print(json.dumps({'class': type(s).__module__ + '.' + type(s).__name__,"
        " **{k: str(getattr(s, k, '')) for k in ('bucket_name', 'endpoint_url', 'location',"
        " 'default_acl', 'querystring_auth', 'file_overwrite', 'addressing_style')}}))\n"
    )
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("AWS_", "MEDIA_STORAGE"))}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
    )


def test_the_filesystem_is_the_default():
    seen = storage_seen()
    assert seen.returncode == 0, seen.stderr
    assert json.loads(seen.stdout)["class"] == "django.core.files.storage.filesystem.FileSystemStorage"


def test_media_storage_s3_keeps_photos_in_a_private_bucket_of_any_s3_compatible_store():
    seen = storage_seen(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="casework-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert seen.returncode == 0, seen.stderr
    assert json.loads(seen.stdout) == {
        "class": "storages.backends.s3.S3Storage",
        "bucket_name": "casework-media",
        "endpoint_url": "http://127.0.0.1:9000",
        "location": "media",
        "default_acl": "private",
        "querystring_auth": "True",
        "file_overwrite": "False",
        "addressing_style": "path",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME."),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be filesystem or s3, got 'ftp'"),
    ],
)
def test_a_media_storage_that_cannot_work_stops_the_start(env, message):
    seen = storage_seen(**env)
    assert seen.returncode != 0
    assert f"ImproperlyConfigured: {message}" in seen.stderr
