"""Fixtures for the residents' doors: the demo street with Open311's seed data, an API key,
fresh rate counters, photos in a scratch folder, and helpers that talk HTTP."""

import importlib
import io
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.cache import caches
from django.test import Client

from casework.services.resident import api_key_create

SCHEMAS = Path(__file__).parent / "schemas"
BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


def doors_prepare(settings, tmp_path):
    """Migration 0009's keywords and service attributes (a transactional test's flush wipes
    migration data), no rate counts left from another test, photos under tmp_path."""
    importlib.import_module("casework.migrations.0009_open311").seed(apps, None)
    caches["ratelimit"].clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def doors(demo, settings, tmp_path):
    doors_prepare(settings, tmp_path)
    return demo


@pytest.fixture
def api_key(doors) -> str:
    return api_key_create(name="街道随手拍小程序")[1]


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def post_request(client, fmt="json", **fields):
    """POST /requests.<fmt> form-encoded, as GeoReport v2 clients do."""
    return client.post(
        f"{BASE}/requests.{fmt}", data=urlencode(fields, doseq=True), content_type=FORM
    )


def report_fields(api_key, **overrides) -> dict:
    return {
        "api_key": api_key,
        "service_code": "env-garbage",
        "description": "3号楼东侧垃圾桶两天没有清运，气味很大。",
        "address_string": "和平里3号楼东侧",
        "first_name": "明",
        "last_name": "李",
        "phone": "13812345678",
        "email": "li.ming@example.cn",
        **overrides,
    }


def request_file(client, api_key, **overrides) -> dict:
    """File one request and return the POST's single result."""
    response = post_request(client, **report_fields(api_key, **overrides))
    assert response.status_code == 201, response.content.decode()
    return response.json()[0]


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
