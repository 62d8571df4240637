"""Logs through the doors (docs/operations.md#logs): one access line per request carrying
its request id, echoed in `X-Request-ID`; refused requests never a traceback, a 5xx keeps
its own; the id follows the request into the Celery tasks it causes, one line per finished
task; text and JSON lines that no path, header or id can split in two."""

import io
import json
import logging
import re

import pytest
from celery import shared_task
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config.celery import app
from config.log_format import JsonLineFormatter, TextFormatter
from config.request_id import RequestIdFilter
from config.urls import urlpatterns as site_urlpatterns
from tests.factories import PASSWORD, case_file, case_move, parties_reachable_by_email, transition_url

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")
# A text line: date, time with zone, level, logger, request id, message.
TEXT_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d{4} (?P<level>[A-Z]+) (?P<logger>\S+)"
    r" (?P<request_id>\S+) (?P<message>.*)"
)


def boom(request):
    raise RuntimeError("the database fell over")


def forbidden(request):
    raise PermissionDenied("not yours")


def chatty(request):
    logging.getLogger("casework.views").info("looking something up")
    return HttpResponse("ok")


def echo(request):
    """Logs what it was sent, then fails with it: a message and a traceback that hold a
    client's text."""
    sent = request.body.decode()
    logging.getLogger("casework.views").warning("sent: %s", sent)
    raise RuntimeError(f"cannot take {sent}")


urlpatterns = [
    path("test-echo/", echo),
    path("test-boom/", boom),
    path("test-forbidden/", forbidden),
    path("test-chatty/", chatty),
    *site_urlpatterns,
]
handler500 = "casework.door_errors.server_error"


@shared_task(name="tests.logs.flaky", bind=True, max_retries=1, ignore_result=True)
def flaky(self, fail: str):
    if fail == "always":
        raise ValueError("no luck")
    if fail == "once" and not self.request.retries:
        raise self.retry(countdown=0)
    return "done"


def capture(formatter: logging.Formatter):
    """What the configured console handler writes, with this formatter, in a buffer."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RequestIdFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    previous_stream, previous_formatter = handler.setStream(buffer), handler.formatter
    handler.setFormatter(formatter)
    return buffer, lambda: (handler.setStream(previous_stream), handler.setFormatter(previous_formatter))


@pytest.fixture
def text():
    buffer, undo = capture(TextFormatter())
    yield buffer
    undo()


@pytest.fixture
def json_lines():
    buffer, undo = capture(JsonLineFormatter())
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    undo()


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def records(buffer: io.StringIO) -> list[dict]:
    """Each text record (its traceback lines, indented, stay with it)."""
    found = []
    for line in buffer.getvalue().splitlines():
        if line.startswith("    "):
            found[-1]["traceback"] += line + "\n"
            continue
        match = TEXT_LINE.fullmatch(line)
        assert match, f"not a record, not indented: {line!r}"
        found.append({**match.groupdict(), "traceback": ""})
    return found


def signed_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=username, password=PASSWORD)
    return client


# ---------------------------------------------------------------- one access line per request


@pytest.mark.urls(__name__)
def test_each_request_is_one_access_line_and_only_a_5xx_has_a_traceback(demo, api, text):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    gridworker, grid_api = demo.user("gridworker"), api("gridworker")
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/test-forbidden/").status_code == 403
    assert signed_in("gridworker").get("/dispatch/").status_code == 403
    assert client.get("/report/", HTTP_HOST="evil.example").status_code == 400
    assert grid_api.get("/api/v1/cases/999999999/").status_code == 404
    assert api(None).get("/api/v1/cases/").status_code == 401
    assert grid_api.get("/api/v1/cases/").status_code == 200
    assert client.get("/test-boom/").status_code == 500

    logged = records(text)
    access = [
        re.sub(r" [\d.]+ms ", " <ms> ", r["message"]) for r in logged if r["logger"] == "casework.access"
    ]
    assert access[-8:] == [
        "GET /no-such-page/ 404 <ms> user=anonymous",
        "GET /test-forbidden/ 403 <ms> user=anonymous",
        f"GET /dispatch/ 403 <ms> user={gridworker.pk}",
        "GET /report/ 400 <ms> user=anonymous",
        f"GET /api/v1/cases/999999999/ 404 <ms> user={gridworker.pk}",
        "GET /api/v1/cases/ 401 <ms> user=anonymous",
        f"GET /api/v1/cases/ 200 <ms> user={gridworker.pk}",
        "GET /test-boom/ 500 <ms> user=anonymous",
    ]
    # Django's own 4xx warnings would say it twice; the foreign Host stays, as one line, for why.
    assert [r["message"] for r in logged if r["logger"].startswith("django.")] == [
        "GET /report/ 400 Invalid HTTP_HOST header: 'evil.example'. You may need to add"
        " 'evil.example' to ALLOWED_HOSTS.",
        "Internal Server Error: /test-boom/",
    ]
    (with_traceback,) = [r for r in logged if r["traceback"]]
    assert with_traceback["logger"] == "django.request" and with_traceback["level"] == "ERROR"
    assert with_traceback["traceback"].startswith("    Traceback (most recent call last):")
    assert "    RuntimeError: the database fell over\n" in with_traceback["traceback"]


def test_the_request_id_comes_from_a_sane_header_or_is_made_and_is_echoed(demo, text):
    client = Client()
    given = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a.01_B")
    assert given["X-Request-ID"] == "edge-7f3a.01_B"

    made = [client.get("/healthz")["X-Request-ID"]]
    for insane in ["a b", "x" * 65, "abc\n", "abc\r\nX-Forged: 1", "编号", "", "a;b"]:
        made.append(client.get("/healthz", HTTP_X_REQUEST_ID=insane)["X-Request-ID"])
    assert all(GENERATED.fullmatch(value) for value in made), made
    assert len(set(made)) == len(made)

    ids = [r["request_id"] for r in records(text) if r["logger"] == "casework.access"]
    assert ids == ["edge-7f3a.01_B", *made]


@pytest.mark.urls(__name__)
def test_every_record_written_during_the_request_carries_its_id(demo, text):
    Client().get("/test-chatty/", HTTP_X_REQUEST_ID="req-42")
    logging.getLogger("casework.views").info("after the request")

    assert [(r["logger"], r["request_id"], r["message"]) for r in records(text)] == [
        ("casework.views", "req-42", "looking something up"),
        ("casework.access", "req-42", records(text)[1]["message"]),
        ("casework.views", "-", "after the request"),
    ]


def test_the_user_is_not_loaded_just_for_the_log(demo, text, django_assert_num_queries):
    client = signed_in("dispatcher")
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200
    assert records(text)[-1]["message"].endswith("user=anonymous")


# ---------------------------------------------------------------- nothing forges a line


FORGERIES = [
    "/no-such-page/%0A2026-12-03 09:00:00.000+0800 INFO casework.access - GET /admin/ 200",
    "/no-such-page/%E2%80%A8GET%20/admin/%20200",
    "/no-such-page/%0D%1B[2KGET%20/admin/%20200",
]


@pytest.mark.parametrize("address", FORGERIES)
def test_an_address_or_header_cannot_forge_a_text_line(demo, text, address):
    Client().get(address, HTTP_X_REQUEST_ID="x\nINFO forged", HTTP_USER_AGENT="\n\u2028")

    lines = text.getvalue().splitlines()
    assert len(lines) == len(records(text)) == 1, lines  # records() refuses any stray line
    assert "/admin/" in lines[0] and "no-such-page" in lines[0]


@pytest.mark.parametrize("address", FORGERIES)
def test_an_address_or_header_cannot_forge_a_json_line(demo, json_lines, address):
    Client().get(address, HTTP_X_REQUEST_ID="x\nforged")

    (line,) = json_lines()
    assert line["logger"] == "casework.access" and line["status"] in (400, 404)
    assert "/admin/" in line["path"] and "\n" not in line["path"] and "\u2028" not in line["path"]
    assert GENERATED.fullmatch(line["request_id"])


FORGED_BODY = (
    "x\n2026-12-03 09:00:00.000+0800 INFO casework.access - GET /admin/ 200 1ms user=1"
    "\r\u2028\x85\x1b[1A"
)


@pytest.mark.urls(__name__)
def test_a_clients_text_in_a_message_or_traceback_cannot_forge_a_text_line(demo, text):
    Client(raise_request_exception=False).post(
        "/test-echo/", FORGED_BODY, content_type="text/plain", HTTP_X_REQUEST_ID="r9"
    )

    logged = records(text)  # refuses any line that is neither a record nor indented
    assert [(r["logger"], r["request_id"]) for r in logged] == [
        ("casework.views", "r9"),
        ("django.request", "r9"),
        ("casework.access", "r9"),
    ]
    assert logged[0]["message"] == (
        "sent: x\\n2026-12-03 09:00:00.000+0800 INFO casework.access - GET /admin/ 200 1ms"
        " user=1\\r\\u2028\\x85\\x1b[1A"
    )
    # The traceback breaks where the text did, each part indented under its record.
    assert (
        "    RuntimeError: cannot take x\n    2026-12-03 09:00:00.000+0800 INFO casework.access"
    ) in logged[1]["traceback"]


@pytest.mark.urls(__name__)
def test_a_clients_text_in_a_message_or_traceback_stays_inside_its_json_line(demo, json_lines):
    Client(raise_request_exception=False).post(
        "/test-echo/", FORGED_BODY, content_type="text/plain", HTTP_X_REQUEST_ID="r9"
    )

    lines = json_lines()  # every line parses
    assert [(line["logger"], line["request_id"]) for line in lines] == [
        ("casework.views", "r9"),
        ("django.request", "r9"),
        ("casework.access", "r9"),
    ]
    assert lines[0]["message"] == f"sent: {FORGED_BODY}"
    assert f"RuntimeError: cannot take {FORGED_BODY}" in lines[1]["exception"]


# ---------------------------------------------------------------- JSON


@pytest.mark.urls(__name__)
def test_json_lines_have_stable_keys_and_a_5xx_its_traceback(demo, json_lines):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="r1")
    client.get("/test-boom/", HTTP_X_REQUEST_ID="r2")
    signed_in("dispatcher").get("/dispatch/", HTTP_X_REQUEST_ID="r3")

    lines = json_lines()
    for line in lines:
        assert list(line)[:5] == ["time", "level", "logger", "message", "request_id"], line
    access = [line for line in lines if line["logger"] == "casework.access"]
    assert [(a["request_id"], a["method"], a["path"], a["status"], a["level"]) for a in access] == [
        ("r1", "GET", "/no-such-page/", 404, "WARNING"),
        ("r2", "GET", "/test-boom/", 500, "ERROR"),
        ("r3", "GET", "/dispatch/", 200, "INFO"),
    ]
    assert access[2]["user_id"] == demo.user("dispatcher").pk and access[0]["user_id"] is None
    assert all(isinstance(a["duration_ms"], float) for a in access)
    (error,) = [line for line in lines if "exception" in line]
    assert (error["logger"], error["request_id"], error["status_code"]) == ("django.request", "r2", 500)
    assert error["exception"].startswith("Traceback") and "RuntimeError" in error["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", error["time"])


# ---------------------------------------------------------------- Celery tasks


@pytest.mark.django_db(transaction=True)
def test_a_task_the_request_causes_logs_the_request_id(demo, api, eager, json_lines):
    """Escalating opens the vote and tells the six parties: their e-mail task runs (eagerly
    here) after the commit, under the request's id."""
    dispatcher = demo.user("dispatcher")
    parties_reachable_by_email()
    case = case_move(
        case_file(demo.user("gridworker")),
        (dispatcher, "classify", demo.classify_payload(difficulty="hard")),
    )
    escalated = api("dispatcher").post(
        transition_url(case.reference, "escalate"),
        {"version": case.version, **demo.escalate_payload()},
        HTTP_X_REQUEST_ID="escalate-1",
    )
    assert escalated.status_code == 200, escalated.content

    lines = json_lines()
    tasks = [line for line in lines if line["logger"] == "casework.tasks"]
    assert tasks and {task["task"] for task in tasks} == {"casework.tasks.notifications_deliver"}
    for task in tasks:
        assert (task["outcome"], task["request_id"], task["level"]) == ("success", "escalate-1", "INFO")
        assert isinstance(task["run_ms"], float) and task["task_id"]
    # And the request's own line comes after, still under its id.
    assert lines[-1]["logger"] == "casework.access" and lines[-1]["request_id"] == "escalate-1"


def test_a_task_outside_any_request_runs_under_its_own_id(demo, eager, json_lines):
    flaky.delay("never")
    flaky.delay("never")

    ids = [line["request_id"] for line in json_lines() if line["logger"] == "casework.tasks"]
    assert len(ids) == 2 and ids[0] != ids[1] and all(GENERATED.fullmatch(i) for i in ids)


def test_a_task_line_says_success_retry_or_failure(demo, eager, json_lines):
    flaky.delay("once")
    flaky.delay("always")

    tasks = [line for line in json_lines() if line["logger"] == "casework.tasks"]
    assert [(t["outcome"], t["level"]) for t in tasks] == [
        ("retry", "WARNING"),
        ("success", "INFO"),
        ("failure", "ERROR"),
    ]
    assert all(GENERATED.fullmatch(t["request_id"]) for t in tasks)
    assert all(t["message"].startswith(f"task tests.logs.flaky[{t['task_id']}] ") for t in tasks)
