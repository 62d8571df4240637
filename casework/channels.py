"""The ways a notification leaves Casework besides the inbox (docs/notifications.md#channels).

Each adapter sends one message to one address and answers by raising: nothing means sent,
`Retry` means try again later (the gateway is down, slow or busy), `Refused` means it will
never go (a bad number, an unsubscribed WeChat user). Adapters know nothing of the database;
`services.notification_delivery` decides what an answer does to the outbox row.

Error texts are kept on the row and shown in the admin, so they are short and never carry a
URL, token or secret (a `requests` exception names the URL, which holds WeChat's token).
"""

import logging
import smtplib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

from .phone import phone_masked

logger = logging.getLogger(__name__)


class Retry(Exception):
    """Not sent this time; it may go later."""


class Refused(Exception):
    """Will never go: trying again cannot help."""


@dataclass(frozen=True)
class Message:
    reference: str  # the delivery's id, so a gateway can drop a repeat
    address: str  # phone, openid or e-mail address
    title: str
    text: str
    case_reference: str


def _http(method: str, url: str, **kwargs) -> requests.Response:
    try:
        return requests.request(method, url, timeout=settings.NOTIFY_TIMEOUT_SECONDS, **kwargs)
    except requests.Timeout as exc:
        raise Retry("timeout") from exc
    except requests.ConnectionError as exc:
        raise Retry("connection failed") from exc
    except requests.RequestException as exc:
        raise Retry(type(exc).__name__) from exc


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError as exc:
        raise Retry(f"HTTP {response.status_code}, not JSON") from exc
    if not isinstance(body, dict):
        raise Retry(f"HTTP {response.status_code}, not a JSON object")
    return body


def console(channel: str, message: Message, *, address: str) -> None:
    """The embedded stand-in for a gateway that is not configured: the log is the phone."""
    logger.info(
        "notification %s via %s to %s: %s — %s",
        message.reference, channel, address, message.title, message.text,
    )


def sms(message: Message) -> None:
    """POST {"to", "text", "reference"} as JSON. 2xx sent; 408 and 429 (the gateway is busy)
    and 5xx retried; any other 4xx refused: the same request would be refused again."""
    if not settings.NOTIFY_SMS_URL:
        return console("sms", message, address=phone_masked(message.address))
    token = settings.NOTIFY_SMS_TOKEN
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = _http(
        "POST",
        settings.NOTIFY_SMS_URL,
        json={
            "to": message.address,
            "text": f"{message.title}: {message.text}",
            "reference": message.reference,
        },
        headers=headers,
    )
    status = response.status_code
    if 200 <= status < 300:
        return None
    if status in (408, 429) or status >= 500:
        raise Retry(f"HTTP {status}")
    raise Refused(f"HTTP {status}")


# WeChat's errcodes (docs/notifications.md#wechat): the access token is stale; the platform is
# busy or rate-limited; the rest refuse this message for good.
WECHAT_TOKEN_STALE = {40001, 40014, 42001}
WECHAT_BUSY = {-1, 45009, 45011}
WECHAT_TOKEN_KEY = "notify-wechat-access-token"


def _wechat_token() -> str:
    token = cache.get(WECHAT_TOKEN_KEY)
    if token:
        return token
    body = _json(
        _http(
            "GET",
            f"{settings.NOTIFY_WECHAT_API_BASE}/cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": settings.NOTIFY_WECHAT_APP_ID,
                "secret": settings.NOTIFY_WECHAT_APP_SECRET,
            },
        )
    )
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        # A wrong app id or secret is fixed by the operator: keep the messages until then.
        raise Retry(f"token errcode {body.get('errcode')}")
    expires_in = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 7200
    cache.set(WECHAT_TOKEN_KEY, token, max(expires_in - 300, 60))  # renew before it lapses
    return token


def wechat(message: Message) -> None:
    """A template message to an openid: fetch (and cache) the access token, then send."""
    if not settings.NOTIFY_WECHAT_APP_ID:
        return console("wechat", message, address=message.address)
    response = _http(
        "POST",
        f"{settings.NOTIFY_WECHAT_API_BASE}/cgi-bin/message/template/send",
        params={"access_token": _wechat_token()},
        json={
            "touser": message.address,
            "template_id": settings.NOTIFY_WECHAT_TEMPLATE_ID,
            "data": {
                "first": {"value": message.title},
                "keyword1": {"value": message.case_reference or "-"},
                "keyword2": {"value": message.text},
            },
        },
    )
    if response.status_code >= 300:
        raise Retry(f"HTTP {response.status_code}")
    code = _json(response).get("errcode", 0)
    if code == 0:
        return None
    if code in WECHAT_TOKEN_STALE:
        cache.delete(WECHAT_TOKEN_KEY)
        raise Retry(f"errcode {code}")
    if code in WECHAT_BUSY:
        raise Retry(f"errcode {code}")
    raise Refused(f"errcode {code}")


def email(message: Message) -> None:
    """Django's mail (EMAIL_BACKEND; the console by default). A server that cannot be
    reached now may be reached later."""
    try:
        send_mail(
            subject=f"[Casework] {message.title}",
            message=message.text,
            from_email=None,
            recipient_list=[message.address],
        )
    except smtplib.SMTPRecipientsRefused as exc:
        raise Refused("recipient refused") from exc
    except OSError as exc:  # smtplib's other errors are OSErrors too
        raise Retry(type(exc).__name__) from exc


ADAPTERS = {"sms": sms, "wechat": wechat, "email": email}
