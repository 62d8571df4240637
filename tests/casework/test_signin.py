"""Sign-in and sessions (README "Sign-in"): wrong passwords are throttled per account and per
client address at both doors, API tokens lapse and are revoked, passwords are checked."""

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from casework.models import Street
from tests.factories import PASSWORD

BASE_DIR = Path(__file__).resolve().parents[2]
ACCOUNT_ALLOWANCE = 5  # SIGNIN_ACCOUNT_FAILURES
ADDRESS_ALLOWANCE = 30  # SIGNIN_ADDRESS_FAILURES
COOL_OFF = timedelta(minutes=15)  # SIGNIN_LOCK_MINUTES
OFFICE = "203.0.113.10"  # one NAT address for a whole street office
ELSEWHERE = "198.51.100.20"


@dataclass(frozen=True)
class Door:
    name: str
    refused: int  # a wrong password
    admitted: int

    def sign_in(self, client, username, password, address=OFFICE, **extra):
        data = {"username": username, "password": password}
        if self.name == "page":
            return client.post("/accounts/login/", data, REMOTE_ADDR=address, **extra)
        return client.post(
            "/api/v1/auth/token/", data, content_type="application/json", REMOTE_ADDR=address, **extra
        )


PAGE = Door("page", refused=200, admitted=302)
API = Door("api", refused=400, admitted=200)
DOORS = pytest.mark.parametrize("door", [PAGE, API], ids=["login-page", "api-token"])


def assert_locked(door, response):
    assert response.status_code == 429, response.content
    assert response["Retry-After"] == str(int(COOL_OFF.total_seconds()))
    if door is API:
        body = response.json()
        assert set(body) == {"error", "detail", "fields"}
        assert body["error"] == "locked_out"
        assert "15" in body["detail"]
    else:
        page = response.content.decode()
        assert "Sign-in paused" in page
        assert "Try again in 15 minutes." in page


def later(delta):
    return time_machine.travel(timezone.now() + delta, tick=False)


def token_for(username, password=PASSWORD):
    response = API.sign_in(Client(), username, password)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def cases_with(token):
    return Client().get("/api/v1/grids/", HTTP_AUTHORIZATION=f"Token {token}")


# ---------------------------------------------------------------- throttling


@DOORS
def test_one_wrong_password_past_the_account_allowance_locks_the_account(demo, client, door):
    for _ in range(ACCOUNT_ALLOWANCE):
        assert door.sign_in(client, "dispatcher", "wrong-guess").status_code == door.refused

    assert_locked(door, door.sign_in(client, "dispatcher", "wrong-guess", HTTP_ACCEPT_LANGUAGE="en"))
    # Locked means locked: the right password does not open it, from anywhere.
    assert_locked(door, door.sign_in(client, "dispatcher", PASSWORD, HTTP_ACCEPT_LANGUAGE="en"))
    locked = door.sign_in(Client(), "dispatcher", PASSWORD, address=ELSEWHERE, HTTP_ACCEPT_LANGUAGE="en")
    assert_locked(door, locked)
    assert demo.user("dispatcher").last_login is None

    with later(COOL_OFF + timedelta(minutes=1)):
        assert door.sign_in(client, "dispatcher", PASSWORD).status_code == door.admitted


@DOORS
def test_a_colleague_behind_the_same_address_still_signs_in(demo, client, door):
    for _ in range(ACCOUNT_ALLOWANCE + 1):
        door.sign_in(client, "gridworker", "wrong-guess")
    assert door.sign_in(client, "gridworker", PASSWORD).status_code == 429

    assert door.sign_in(Client(), "dispatcher", PASSWORD).status_code == door.admitted


@DOORS
def test_one_wrong_password_past_the_address_allowance_locks_the_address(demo, client, door):
    for number in range(ADDRESS_ALLOWANCE):
        response = door.sign_in(client, f"guess{number}", "wrong-guess")
        assert response.status_code == door.refused

    assert_locked(door, door.sign_in(client, "guess-last", "wrong-guess", HTTP_ACCEPT_LANGUAGE="en"))
    assert door.sign_in(Client(), "dispatcher", PASSWORD).status_code == 429
    # Other addresses are not held back by this one.
    response = door.sign_in(Client(), "dispatcher", PASSWORD, address=ELSEWHERE)
    assert response.status_code == door.admitted

    with later(COOL_OFF + timedelta(minutes=1)):
        assert door.sign_in(Client(), "supervisor", PASSWORD).status_code == door.admitted


@DOORS
def test_a_sign_in_clears_the_accounts_failures_and_keeps_them_in_the_audit(demo, client, door):
    for _ in range(ACCOUNT_ALLOWANCE):
        door.sign_in(client, "unitmember", "wrong-guess")
    assert door.sign_in(Client(), "unitmember", PASSWORD).status_code == door.admitted

    for _ in range(ACCOUNT_ALLOWANCE):
        assert door.sign_in(client, "unitmember", "wrong-guess").status_code == door.refused
    assert door.sign_in(Client(), "unitmember", PASSWORD).status_code == door.admitted

    failures = AccessFailureLog.objects.filter(username="unitmember")
    assert failures.count() == 2 * ACCOUNT_ALLOWANCE
    assert set(failures.values_list("ip_address", flat=True)) == {OFFICE}


def test_failures_are_listed_in_the_admin(demo, client, admin_client):
    API.sign_in(client, "dispatcher", "wrong-guess")

    response = admin_client.get("/admin/axes/accessfailurelog/")

    assert response.status_code == 200
    assert "dispatcher" in response.content.decode()


@override_settings(RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP")
def test_behind_a_proxy_the_address_comes_from_its_header(demo, client):
    for number in range(ADDRESS_ALLOWANCE + 1):
        API.sign_in(client, f"guess{number}", "wrong-guess", address="10.0.0.1", HTTP_X_REAL_IP=OFFICE)

    locked = API.sign_in(client, "dispatcher", PASSWORD, address="10.0.0.1", HTTP_X_REAL_IP=OFFICE)
    assert locked.status_code == 429
    response = API.sign_in(client, "dispatcher", PASSWORD, address="10.0.0.1", HTTP_X_REAL_IP=ELSEWHERE)
    assert response.status_code == 200
    # A header that holds no address is not believed: the peer's address counts.
    response = API.sign_in(client, "supervisor", PASSWORD, address=ELSEWHERE, HTTP_X_REAL_IP="'; --")
    assert response.status_code == 200


# ---------------------------------------------------------------- API tokens


def test_a_token_lapses_after_eight_hours_unused_and_use_keeps_it_alive(demo):
    token = token_for("dispatcher")
    start = timezone.now()

    with time_machine.travel(start + timedelta(hours=7, minutes=50), tick=False):
        assert cases_with(token).status_code == 200
    with time_machine.travel(start + timedelta(hours=15, minutes=40), tick=False):
        assert cases_with(token).status_code == 200
    with time_machine.travel(start + timedelta(hours=23, minutes=41), tick=False):
        response = cases_with(token)

    assert response.status_code == 401
    assert response.json()["error"] == "token_expired"
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_lapses_seven_days_after_sign_in_however_often_used(demo):
    token = token_for("dispatcher")
    start = timezone.now()

    for hours in range(7, 7 * 24, 7):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            assert cases_with(token).status_code == 200, hours
    with time_machine.travel(start + timedelta(days=7, minutes=-1), tick=False):
        assert cases_with(token).status_code == 200
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        response = cases_with(token)

    assert response.status_code == 401
    assert response.json()["error"] == "token_expired"


def test_checking_a_token_is_one_query_and_renewing_it_writes_once_a_minute(demo):
    token = token_for("gridworker")

    def token_queries():
        with CaptureQueriesContext(connection) as queries:
            assert cases_with(token).status_code == 200
        return [q["sql"].split()[0] for q in queries if "knox_authtoken" in q["sql"]]

    with later(timedelta(seconds=30)):
        assert token_queries() == ["SELECT"]
    with later(timedelta(minutes=2)):
        assert token_queries() == ["SELECT", "UPDATE"]
        assert token_queries() == ["SELECT"]


def test_logout_revokes_the_token_it_carries_and_only_that_one(demo):
    phone, laptop = token_for("dispatcher"), token_for("dispatcher")

    response = Client().post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {phone}")

    assert response.status_code == 204
    revoked = cases_with(phone)
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "authentication_failed"
    assert cases_with(laptop).status_code == 200
    assert Client().post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {phone}").status_code == 401


def test_logout_without_a_token_is_401_in_the_error_shape(demo):
    response = Client().post("/api/v1/auth/logout/")

    assert response.status_code == 401
    assert set(response.json()) == {"error", "detail", "fields"}


def test_the_token_contract_takes_a_form_too(demo):
    wrong = Client().post("/api/v1/auth/token/", {"username": "dispatcher", "password": "wrong-guess"})
    assert wrong.status_code == 400
    assert AccessFailureLog.objects.filter(username="dispatcher").count() == 1

    response = Client().post("/api/v1/auth/token/", {"username": "dispatcher", "password": PASSWORD})

    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    assert "sessionid" not in response.cookies  # a token sign-in starts no session
    assert cases_with(response.json()["token"]).status_code == 200


def test_signing_in_on_the_page_keeps_the_api_token(demo, client):
    token = token_for("dispatcher")

    assert PAGE.sign_in(client, "dispatcher", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    assert cases_with(token).status_code == 200


# ---------------------------------------------------------------- password changes


def test_changing_the_password_on_the_page_revokes_the_tokens(demo, client):
    token = token_for("dispatcher")
    client.force_login(demo.user("dispatcher"))

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "Lantern-river-42", "new_password2": "Lantern-river-42"},
    )

    assert response.status_code == 302
    assert cases_with(token).status_code == 401
    assert API.sign_in(Client(), "dispatcher", "Lantern-river-42").status_code == 200


def test_an_admin_setting_a_password_revokes_the_users_tokens(demo, client):
    token = token_for("gridworker")
    client.force_login(demo.user("admin"))
    user = demo.user("gridworker")

    response = client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "Lantern-river-42", "password2": "Lantern-river-42"},
    )

    assert response.status_code == 302, response.content
    assert cases_with(token).status_code == 401


def test_set_password_and_save_revokes_the_tokens(demo):
    token, other = token_for("gridworker"), token_for("dispatcher")
    user = demo.user("gridworker")

    user.set_password("Lantern-river-42")
    user.save()

    assert cases_with(token).status_code == 401
    assert cases_with(other).status_code == 200


@pytest.mark.parametrize(
    "password", ["20261203", "48151623420", "Ab3-x"], ids=["numeric", "long-numeric", "short"]
)
def test_a_numeric_or_short_password_is_refused_and_changes_nothing(demo, client, password):
    token = token_for("dispatcher")
    client.force_login(demo.user("dispatcher"))

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert demo.user("dispatcher").check_password(PASSWORD)
    assert cases_with(token).status_code == 200


def test_the_admin_refuses_a_numeric_password(demo, client):
    client.force_login(demo.user("admin"))
    user = demo.user("gridworker")

    response = client.post(
        f"/admin/auth/user/{user.pk}/password/", {"password1": "73829104", "password2": "73829104"}
    )

    assert response.status_code == 200
    assert demo.user("gridworker").check_password(PASSWORD)


# ---------------------------------------------------------------- seed_demo


def test_seed_demo_refuses_a_numeric_password_and_creates_nothing(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", "--no-cases", "--password", "12345678")

    assert not get_user_model().objects.exists()
    assert not Street.objects.exists()


def test_seed_demo_refuses_to_run_under_production_settings(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k3X9-prod-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        # Nothing listens there: the refusal comes before any query.
        DATABASE_URL="postgres://casework@127.0.0.1:1/casework",
        CASEWORK_VAR_DIR=str(tmp_path),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--no-cases"],
        cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 1, result.stderr
    assert "CommandError" in result.stderr and "seed_demo" in result.stderr
    assert "OperationalError" not in result.stderr


def test_a_sign_in_without_a_request_checks_only_the_password(demo, client):
    # The test client's login() passes no request: no address to count, nothing throttled.
    assert not client.login(username="dispatcher", password="wrong-guess")
    assert client.login(username="dispatcher", password=PASSWORD)
