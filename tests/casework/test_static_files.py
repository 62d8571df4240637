"""collectstatic with the production storage works, third-party static files included."""

import json

from django.core.management import call_command
from django.test import override_settings
from django.templatetags.static import static

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static_storage.StaticStorage"},
}


def test_collectstatic_hashes_our_files_and_keeps_viewflows(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
        assert manifest["casework/app.css"].startswith("casework/app.")
        assert static("casework/app.css") == f"/static/{manifest['casework/app.css']}"
    assert any(tmp_path.joinpath("viewflow").rglob("*.css"))  # copied, not hashed
