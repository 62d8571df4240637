"""Many people at once, through real HTTP against PostgreSQL (docs/architecture.md#case-log):
exactly one transition wins, the rest get 409, and no reference is handed out twice or skipped.

Each request runs in its own live-server thread with its own database connection, so the
row locks are really contended; SQLite serialises whole transactions and proves nothing here.
"""

import http.client
import json
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from casework.models import Case, CaseEvent, ReferenceSequence
from tests.factories import PASSWORD, case_snapshot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


def _token(live_server, username):
    response = requests.post(
        f"{live_server.url}/api/v1/auth/token/",
        json={"username": username, "password": PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Token {response.json()['token']}"}


@dataclass
class Answer:
    status_code: int
    body: dict

    def json(self):
        return self.body


def _all_at_once(live_server, requests_to_send):
    """POST every (path, headers, json) at the same instant, one thread and connection each.

    The connections are opened one by one beforehand, so the requests themselves, not the
    TCP handshakes queueing on the listen backlog, are what arrive together.
    """
    address = urlsplit(live_server.url)
    connections = []
    for _ in requests_to_send:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        connection.connect()
        connections.append(connection)
    barrier = threading.Barrier(len(requests_to_send))

    def send(connection, request):
        path, headers, body = request
        barrier.wait()
        connection.request(
            "POST", path, body=json.dumps(body), headers={**headers, "Content-Type": "application/json"}
        )
        response = connection.getresponse()
        raw = response.read()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        answer = Answer(response.status, json.loads(raw) if is_json else {"raw": raw[:200]})
        connection.close()
        return answer

    with ThreadPoolExecutor(max_workers=len(requests_to_send)) as pool:
        return list(pool.map(send, connections, requests_to_send))


def test_only_one_of_many_simultaneous_accepts_wins(live_server, demo):
    case = demo.case_in("classified")
    before = case_snapshot(case)
    headers = _token(live_server, "unitmember")
    url = f"/api/v1/cases/{case.reference}/transitions/accept/"

    responses = _all_at_once(live_server, [(url, headers, {"version": case.version})] * THREADS)

    assert Counter(r.status_code for r in responses) == {200: 1, 409: THREADS - 1}
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"stale_version"}
    case.refresh_from_db()
    assert (case.state, case.version) == ("handling", before["version"] + 1)
    assert case.events.count() == before["events"] + 1
    assert case.events.filter(transition="accept").count() == 1


def test_only_one_of_many_simultaneous_ratings_counts(live_server, demo):
    # rate leaves the state as it is, so only the row lock, the version and the one rating
    # a round stand between these callbacks and a lost update.
    case = demo.case_in("evaluating")
    before = case_snapshot(case)
    headers = _token(live_server, "gridworker")
    url = f"/api/v1/cases/{case.reference}/transitions/rate/"
    verdicts = ["satisfied", "basically_satisfied", "dissatisfied"] * (THREADS // 3)
    callback = {"comment": "电话回访", "channel": "phone"}
    bodies = [
        (url, headers, {"version": case.version, "satisfaction": v, **callback}) for v in verdicts
    ]

    responses = _all_at_once(live_server, bodies)

    assert Counter(r.status_code for r in responses) == {200: 1, 409: THREADS - 1}
    winner = next(r.json() for r in responses if r.status_code == 200)
    case.refresh_from_db()
    assert (case.version, case.satisfaction) == (before["version"] + 1, winner["satisfaction"])
    assert case.events.count() == before["events"] + 1


def test_classify_and_reject_racing_leave_exactly_one_outcome(live_server, demo):
    case = demo.case_in("collected")
    before = case_snapshot(case)
    headers = _token(live_server, "dispatcher")
    base = f"/api/v1/cases/{case.reference}/transitions"
    classify = (f"{base}/classify/", headers, {"version": case.version, **demo.classify_payload()})
    reject = (f"{base}/reject/", headers, {"version": case.version, "reason": "重复反映"})

    responses = _all_at_once(live_server, [classify, reject] * (THREADS // 2))

    assert Counter(r.status_code for r in responses) == {200: 1, 409: THREADS - 1}
    winner = next(r.json() for r in responses if r.status_code == 200)
    case.refresh_from_db()
    assert case.state == winner["state"]
    assert case.state in {"classified", "rejected"}
    assert case.version == before["version"] + 1
    assert case.events.count() == before["events"] + 1


def test_simultaneous_intake_hands_out_unique_gap_free_references(live_server, demo):
    headers = _token(live_server, "gridworker")
    url = "/api/v1/cases/"
    grid = demo.grid("C1-G1").pk
    bodies = [
        (url, headers, {"title": f"同时反映 {n}", "description": "楼道堆物。", "grid": grid, "channel": "hall"})
        for n in range(THREADS)
    ]

    responses = _all_at_once(live_server, bodies)

    assert [r.status_code for r in responses] == [201] * THREADS, [r.body for r in responses]
    references = [r.json()["reference"] for r in responses]
    assert len(set(references)) == THREADS
    periods = {re.fullmatch(r"SS-(\d{6})-(\d{6})", ref).group(1) for ref in references}
    assert len(periods) == 1
    numbers = sorted(int(ref[-6:]) for ref in references)
    assert numbers == list(range(1, THREADS + 1))  # nothing filed before: starts at 1
    assert ReferenceSequence.objects.get(period=periods.pop()).last == numbers[-1]
    assert Case.objects.count() == THREADS
    assert CaseEvent.objects.filter(transition="collect").count() == THREADS
