"""The SQL an API write costs (docs/architecture.md, "Speed"): a transition with its token
check, scope, lock, event and clocks runs at most 8 statements, a new case 6 — counted
with the office's rule tables already cached, as in a running server. A regression here is
a new round trip on every request of every user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import case_file, case_move, transition_url


def _statements(context) -> list[str]:
    # Savepoints stand in for BEGIN/COMMIT under the test's own transaction.
    return [
        q["sql"] for q in context.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


@pytest.fixture
def warm_rules(settings):
    settings.SLA_POLICY_CACHE_SECONDS = 60


@pytest.mark.parametrize("name", ["accept", "return"])
def test_a_transition_over_http_runs_at_most_eight_statements(demo, api, warm_rules, name):
    client = api("unitmember")
    first, case = (
        case_move(case_file(demo.user("gridworker")),
                  (demo.user("dispatcher"), "classify", demo.classify_payload()))
        for _ in range(2)
    )
    payload = {"reason": "不归我们管"} if name == "return" else {}
    client.post(transition_url(first.reference, name), {**payload, "version": first.version})

    with CaptureQueriesContext(connection) as context:
        response = client.post(transition_url(case.reference, name), {**payload, "version": case.version})

    assert response.status_code == 200, response.content
    assert len(_statements(context)) <= 8, "\n".join(_statements(context))


def test_filing_a_case_over_http_runs_at_most_six_statements(demo, api, warm_rules):
    client = api("gridworker")
    body = {"title": "路灯不亮", "description": "3号楼前", "grid": demo.grid().pk, "channel": "hall"}
    client.post("/api/v1/cases/", body)

    with CaptureQueriesContext(connection) as context:
        response = client.post("/api/v1/cases/", body)

    assert response.status_code == 201, response.content
    assert response.json()["deadlines"] == {} and response.json()["consultation"] is None
    assert len(_statements(context)) <= 6, "\n".join(_statements(context))
