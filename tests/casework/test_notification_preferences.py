"""Each person sets their own notification channels, addresses and quiet hours
(docs/notifications.md#preferences), through the API and a page; bad input is refused
whole, and nobody reaches another person's preferences or phone."""

import json

import pytest
from django.contrib.admin.models import LogEntry

from casework.models import NotificationPreference

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notification-preferences/"
PAGE = "/notifications/preferences/"
GOOD = {
    "channels": ["sms", "wechat"],
    "phone": "+86 138-0013-8000",
    "wechat_openid": "oUser_openid_1",
    "quiet_start": "22:00",
    "quiet_end": "07:00",
}


def saved(user) -> dict | None:
    row = NotificationPreference.objects.filter(user=user).first()
    if row is None:
        return None
    return {f: getattr(row, f) for f in ("channels", "phone", "wechat_openid", "quiet_start", "quiet_end")}


def test_without_preferences_a_person_with_an_address_gets_email(api, demo):
    supervisor = demo.user("supervisor")
    supervisor.email = "jiedao@example.cn"
    supervisor.save()

    response = api("supervisor").get(URL)

    assert response.status_code == 200
    assert response.json() | {"updated_at": None} == {
        "channels": ["email"], "phone": "", "wechat_openid": "",
        "quiet_start": None, "quiet_end": None, "updated_at": None,
    }
    assert saved(supervisor) is None  # reading writes nothing


def test_a_person_sets_channels_phone_and_quiet_hours(api, demo):
    response = api("unitmember").put(URL, GOOD, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["channels"], body["phone"], body["quiet_start"], body["quiet_end"]) == (
        ["sms", "wechat"], "13800138000", "22:00", "07:00"
    )
    assert api("unitmember").get(URL).json() == body
    entry = LogEntry.objects.get()
    assert entry.user == demo.user("unitmember")
    assert "13800138000" not in entry.change_message  # the audit names fields, not the phone
    assert "phone" in entry.change_message


def test_saving_the_same_preferences_again_logs_nothing_new(api):
    assert api("unitmember").put(URL, GOOD, format="json").status_code == 200
    assert api("unitmember").put(URL, GOOD, format="json").status_code == 200

    assert LogEntry.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"phone": "12345678901"}, "phone"),  # 12x is no mobile
        ({"phone": "1380013800"}, "phone"),  # ten digits
        ({"phone": "010-62345678"}, "phone"),  # a landline
        ({"channels": ["sms", "fax"]}, "channels"),
        ({"channels": "sms"}, "channels"),
        ({"channels": ["sms", "sms"]}, "channels"),
        ({"channels": ["email"]}, "channels"),  # no address on the account
        ({"phone": ""}, "phone"),  # sms chosen
        ({"wechat_openid": ""}, "wechat_openid"),  # wechat chosen
        ({"wechat_openid": "o'; DROP"}, "wechat_openid"),
        ({"quiet_start": "25:00"}, "quiet_start"),
        ({"quiet_start": "7pm"}, "quiet_start"),
        ({"quiet_end": None}, "quiet_end"),
        ({"quiet_start": "07:00"}, "quiet_end"),  # ends when it starts
    ],
)
def test_bad_input_is_refused_whole_and_nothing_changes(api, demo, change, field):
    client = api("unitmember")
    assert client.put(URL, {**GOOD, "channels": ["sms"]}, format="json").status_code == 200
    before = saved(demo.user("unitmember"))

    response = client.put(URL, {**GOOD, **change}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid" and field in response.json()["fields"]
    assert saved(demo.user("unitmember")) == before
    assert LogEntry.objects.count() == 1


@pytest.mark.parametrize("body", ["[]", "null", "not json", '{"channels": [1, {}]}'])
def test_a_malformed_body_is_a_400(api, body):
    response = api("unitmember").put(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_signed_out_is_a_401(api):
    assert api().get(URL).status_code == 401
    assert api().put(URL, GOOD, format="json").status_code == 401


def test_nobody_reads_or_changes_another_persons_preferences(api, demo):
    api("unitmember").put(URL, GOOD, format="json")

    other = api("dispatcher")
    body = other.get(URL, {"user": demo.user("unitmember").pk}).json()
    assert body["phone"] == "" and body["channels"] == []
    assert other.put(URL, {"channels": []}, format="json").status_code == 200

    assert saved(demo.user("unitmember"))["phone"] == "13800138000"
    assert saved(demo.user("dispatcher"))["channels"] == []


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"})

    operations = json.loads(schema.content)["paths"]["/api/v1/me/notification-preferences/"]
    assert {"get", "put"} <= set(operations)
    assert set(operations["put"]["responses"]) >= {"200", "400", "401"}


# ---------------------------------------------------------------- the page


@pytest.fixture
def signed_in(client, demo):
    client.force_login(demo.user("unitmember"))
    return client


def test_the_page_shows_the_form_for_a_phone(signed_in):
    response = signed_in.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="tel"' in html and 'type="time"' in html and 'name="channels"' in html
    assert "<style" not in html and " style=" not in html and "<script>" not in html


def test_the_page_saves_and_says_so(signed_in, demo):
    response = signed_in.post(
        PAGE,
        {"channels": ["sms"], "phone": "138 0013 8000", "quiet_start": "22:30", "quiet_end": "06:00"},
        follow=True,
    )

    assert response.redirect_chain == [(PAGE, 302)]
    assert saved(demo.user("unitmember"))["phone"] == "13800138000"
    assert 'value="13800138000"' in response.content.decode()


def test_the_page_refuses_a_bad_phone_and_keeps_what_was_typed(signed_in, demo):
    response = signed_in.post(PAGE, {"channels": ["sms"], "phone": "12345"})

    assert response.status_code == 400
    assert 'value="12345"' in response.content.decode()
    assert saved(demo.user("unitmember")) is None


def test_the_page_clears_quiet_hours_when_both_are_emptied(signed_in, demo):
    signed_in.post(PAGE, {"channels": [], "quiet_start": "22:00", "quiet_end": "07:00"})
    signed_in.post(PAGE, {"channels": [], "quiet_start": "", "quiet_end": ""})

    assert saved(demo.user("unitmember"))["quiet_start"] is None


def test_the_page_needs_a_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302 and "login" in response["Location"]
