"""Rate limits: per API key on Open311 POSTs, per IP on the public form; counters that every
worker shares, in the database by default and in Redis when there is one."""

import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection

from casework.models import Case
from casework.services.resident import api_key_create

from .conftest import post_request, report_fields

pytestmark = pytest.mark.django_db

# Counting windows are fixed; hold the clock so a window edge cannot fall mid-test.
NOON = datetime.fromisoformat("2026-05-06T12:00:00+08:00")


def test_the_post_after_the_limit_is_429_and_earlier_ones_succeed(doors, client, api_key, settings):
    settings.OPEN311_POST_RATE = "3/m"
    with time_machine.travel(NOON, tick=False):
        statuses = [post_request(client, **report_fields(api_key)).status_code for _ in range(4)]
        refused = post_request(client, **report_fields(api_key))

    assert statuses == [201, 201, 201, 429]
    assert refused.status_code == 429
    assert refused.json()[0]["code"] == 429
    assert refused["Retry-After"] == "60"
    assert Case.objects.count() == 3


def test_each_key_has_its_own_limit(doors, client, api_key, settings):
    settings.OPEN311_POST_RATE = "1/h"
    other = api_key_create(name="另一个客户端")[1]
    with time_machine.travel(NOON, tick=False):
        first = [post_request(client, **report_fields(key)).status_code for key in (api_key, other)]
        second = [
            post_request(client, **report_fields(key)).status_code for key in (api_key, other)
        ]

    assert (first, second) == ([201, 201], [429, 429])


def test_refused_keys_do_not_count_against_anyone(doors, client, api_key, settings):
    settings.OPEN311_POST_RATE = "1/h"
    with time_machine.travel(NOON, tick=False):
        for _ in range(3):
            assert post_request(client, **report_fields("wrong")).status_code == 403
        assert post_request(client, **report_fields(api_key)).status_code == 201


def test_the_limit_comes_back_in_the_next_window(doors, client, api_key, settings):
    settings.OPEN311_POST_RATE = "1/m"
    with time_machine.travel(NOON, tick=False) as clock:
        assert post_request(client, **report_fields(api_key)).status_code == 201
        assert post_request(client, **report_fields(api_key)).status_code == 429
        clock.shift(61)
        assert post_request(client, **report_fields(api_key)).status_code == 201


def test_the_public_form_is_limited_per_ip(doors, client, settings):
    settings.PUBLIC_SUBMIT_RATE = "2/h"
    form = {"category": "env-garbage", "description": "垃圾桶满了", "address": "3号楼"}
    with time_machine.travel(NOON, tick=False):
        statuses = [client.post("/report/", form).status_code for _ in range(3)]
        elsewhere = client.post("/report/", form, REMOTE_ADDR="10.1.2.3").status_code

    assert statuses == [302, 302, 429]
    assert elsewhere == 302
    assert Case.objects.filter(channel="online").count() == 3


def test_database_counters_count_every_increment(doors):
    counters = caches["ratelimit"]
    counters.add("rl:test", 0, 60)
    for _ in range(5):
        counters.incr("rl:test")

    assert counters.get("rl:test") == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_counters_lose_no_increment_under_concurrency(demo):
    # Two gunicorn workers counting at once: each increment holds the row.
    counters = caches["ratelimit"]
    counters.clear()
    counters.add("rl:race", 0, 60)
    errors = []

    def count():
        try:
            for _ in range(20):
                counters.incr("rl:race")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert counters.get("rl:race") == 80
    counters.clear()


BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CACHES['ratelimit']['BACKEND'], settings.CACHES['ratelimit'].get('LOCATION'))"
)


def _settings_with(tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", CASEWORK_VAR_DIR=str(tmp_path), **env
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, ["casework.ratelimit.LockingDatabaseCache", "casework_ratelimit_cache"]),
        (
            {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/3"},
            ["django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/3"],
        ),
        (
            {"CELERY_BROKER_URL": "amqp://guest@rabbit//"},
            ["casework.ratelimit.LockingDatabaseCache", "casework_ratelimit_cache"],
        ),
        (
            {"CELERY_BROKER_URL": "amqp://guest@rabbit//", "REDIS_URL": "redis://cache:6379/0"},
            ["django.core.cache.backends.redis.RedisCache", "redis://cache:6379/0"],
        ),
    ],
    ids=["embedded", "redis-broker", "rabbitmq", "redis-url"],
)
def test_counters_live_where_every_worker_sees_them(tmp_path, env, expected):
    assert _settings_with(tmp_path, **env) == expected


def test_a_rate_that_cannot_be_read_stops_the_start(tmp_path):
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "CASEWORK_VAR_DIR": str(tmp_path),
        "OPEN311_POST_RATE": "thirty a minute",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "OPEN311_POST_RATE must look like 30/m" in result.stderr
