"""Many people at once, through real HTTP against PostgreSQL (DESIGN.md §3): exactly one
transition wins, the rest get 409, and no reference is handed out twice or skipped.

Each request runs in its own live-server thread with its own database connection, so the
row locks are really contended; SQLite serialises whole transactions and proves nothing here.
"""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

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


def _all_at_once(requests_to_send):
    """POST every (url, headers, json) at the same instant, one thread each."""
    barrier = threading.Barrier(len(requests_to_send))

    def send(request):
        url, headers, body = request
        with requests.Session() as session:
            barrier.wait()
            return session.post(url, json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=len(requests_to_send)) as pool:
        return list(pool.map(send, requests_to_send))


def test_only_one_of_many_simultaneous_accepts_wins(live_server, demo):
    case = demo.case_in("classified")
    before = case_snapshot(case)
    headers = _token(live_server, "unitmember")
    url = f"{live_server.url}/api/v1/cases/{case.reference}/transitions/accept/"

    responses = _all_at_once([(url, headers, {"version": case.version})] * THREADS)

    assert Counter(r.status_code for r in responses) == {200: 1, 409: THREADS - 1}
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"stale_version"}
    case.refresh_from_db()
    assert (case.state, case.version) == ("handling", before["version"] + 1)
    assert case.events.count() == before["events"] + 1
    assert case.events.filter(transition="accept").count() == 1


def test_classify_and_reject_racing_leave_exactly_one_outcome(live_server, demo):
    case = demo.case_in("collected")
    before = case_snapshot(case)
    headers = _token(live_server, "dispatcher")
    base = f"{live_server.url}/api/v1/cases/{case.reference}/transitions"
    classify = (f"{base}/classify/", headers, {"version": case.version, **demo.classify_payload()})
    reject = (f"{base}/reject/", headers, {"version": case.version, "reason": "重复反映"})

    responses = _all_at_once([classify, reject] * (THREADS // 2))

    assert Counter(r.status_code for r in responses) == {200: 1, 409: THREADS - 1}
    winner = next(r.json() for r in responses if r.status_code == 200)
    case.refresh_from_db()
    assert case.state == winner["state"]
    assert case.state in {"classified", "rejected"}
    assert case.version == before["version"] + 1
    assert case.events.count() == before["events"] + 1


def test_simultaneous_intake_hands_out_unique_gap_free_references(live_server, demo):
    headers = _token(live_server, "gridworker")
    url = f"{live_server.url}/api/v1/cases/"
    grid = demo.grid("C1-G1").pk
    bodies = [
        (url, headers, {"title": f"同时反映 {n}", "description": "楼道堆物。", "grid": grid, "channel": "hall"})
        for n in range(THREADS)
    ]

    responses = _all_at_once(bodies)

    assert [r.status_code for r in responses] == [201] * THREADS, [r.text for r in responses]
    references = [r.json()["reference"] for r in responses]
    assert len(set(references)) == THREADS
    periods = {re.fullmatch(r"SS-(\d{6})-(\d{6})", ref).group(1) for ref in references}
    assert len(periods) == 1
    numbers = sorted(int(ref[-6:]) for ref in references)
    assert numbers == list(range(1, THREADS + 1))  # nothing filed before: starts at 1
    assert ReferenceSequence.objects.get(period=periods.pop()).last == numbers[-1]
    assert Case.objects.count() == THREADS
    assert CaseEvent.objects.filter(transition="collect").count() == THREADS
