"""Production settings refuse to start on development defaults (docs/architecture.md#runtime)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.base import INSECURE_DEV_SECRET

BASE_DIR = Path(__file__).resolve().parents[2]
LONG_SECRET = "k3X9-prod-secret-0123456789abcdefghijklmnopqrstuvwxyz"
DATABASE_URL = "postgres://casework@127.0.0.1:5432/casework"
PROBE = "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"


def _start(tmp_path, **env):
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environ.update(DJANGO_SETTINGS_MODULE="config.settings.production", CASEWORK_VAR_DIR=str(tmp_path))
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "secret",
    [None, "", INSECURE_DEV_SECRET, "too-short-secret"],
    ids=["unset", "empty", "development-default", "short"],
)
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, secret):
    env = {"DATABASE_URL": DATABASE_URL}
    if secret is not None:
        env["SECRET_KEY"] = secret

    result = _start(tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set SECRET_KEY to a random value of at least 32 characters." in result.stderr


def test_production_refuses_to_start_without_a_database_url(tmp_path):
    result = _start(tmp_path, SECRET_KEY=LONG_SECRET)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_production_refuses_a_debug_flag_it_cannot_read(tmp_path):
    result = _start(
        tmp_path, SECRET_KEY=LONG_SECRET, DATABASE_URL=DATABASE_URL, DEBUG="maybe"
    )

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_production_starts_with_a_long_secret_and_a_database_url(tmp_path):
    result = _start(tmp_path, SECRET_KEY=LONG_SECRET, DATABASE_URL=DATABASE_URL)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False"
