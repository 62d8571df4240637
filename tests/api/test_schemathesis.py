"""Every operation of /api/schema/ against generated input (schemathesis): no 5xx, and every
answer — status, content type, body — as the schema describes it.

The schema is read from the app in-process (WSGI) and each operation is one test, on a
fixed seed with a bounded number of examples, so a run takes the same path every time. A
real token opens the door; most generated ids are swapped for ones that exist, so the
examples reach the services instead of stopping at 404.
"""

import zlib
from datetime import datetime, timedelta

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from werkzeug.test import Client

from casework.models import (
    Case,
    Category,
    Consultation,
    ConsultationOption,
    EvaluationReport,
    Extension,
    SlaBreach,
    SlaTimer,
    Summons,
    Unit,
    Urge,
)
from casework.actors import actor_for_user
from casework.services.cases import case_transition
from casework.services.extensions import extension_ask
from casework.services.urges import urge_create
from casework.services.evaluation_run import evaluation_run
from casework.services.sla_sweep import sla_sweep
from tests.factories import PASSWORD, Demo, case_file, case_move, runner_of
from workflows.actors import SYSTEM
from workflows.transitions import TRANSITIONS
from workflows.working_time import SHANGHAI

# Each operation draws from its own seed, mixed from this one and its label. Explicit, not
# Hypothesis' `derandomize` (which its CI profile turns on and which would win over a seed).
SEED = 20261203
# Generated examples per operation, on top of schemathesis' coverage examples (boundary and
# negative values of each field: a few hundred for a body like the case intake's). The
# transitions are where the rules live and their schema is a bare `version`: more there.
MAX_EXAMPLES = 25
TRANSITION_EXAMPLES = 100

application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    application,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES},
            "operations": [
                {
                    "include-path": "/api/v1/cases/{reference}/transitions/{name}/",
                    "generation": {"max-examples": TRANSITION_EXAMPLES},
                }
            ],
        }
    ),
)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

CASE_STATES = list(Demo.STATES)


def _pick(value, choices: list):
    """The same generated value always picks the same existing thing (no hash seed)."""
    return choices[zlib.crc32(repr(value).encode()) % len(choices)]


def _aimed(value) -> bool:
    """Three examples in four get an id that exists."""
    return zlib.crc32(b"aim" + repr(value).encode()) % 4 != 0


class World:
    """The demo street with cases in every state, a breach, a frozen month and tokens."""

    def __init__(self, demo):
        self._tokens: dict[str, str] = {}
        dispatcher, gridworker = demo.user("dispatcher"), demo.user("gridworker")
        november = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
        with time_machine.travel(november, tick=False):
            # A month to freeze: one case settled on the spot, one dispatched and left.
            case_move(case_file(gridworker), (gridworker, "resolve_on_spot", {"result": "当场"}))
            late = case_move(case_file(gridworker), (dispatcher, "classify", demo.classify_payload()))
        sla_sweep(now=datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))  # `late` misses its clock
        evaluation_run(period="2026-11")
        cases = [late] + [demo.case_in(state) for state in CASE_STATES]
        # A hall meeting the SLA engine opened, waiting for the dispatcher's options.
        hard = case_move(
            case_file(gridworker),
            (dispatcher, "classify", demo.classify_payload(difficulty="hard")),
            (demo.user("unitmember"), "accept", {}),
        )
        opened = {"mode": "hall"}
        cases.append(
            case_transition(
                actor=SYSTEM, case_id=hard.pk, name="escalate", payload=opened, version=hard.version
            )
        )
        self.references = [case.reference for case in cases]
        # A request for more time awaiting the dispatcher (docs/extensions.md).
        handling = next(case for case in cases if case.state == "handling" and not case.is_suspended)
        timer = SlaTimer.objects.get(case=handling, kind="resolve", state="running")
        extension_ask(
            actor=actor_for_user(demo.user("unitmember")),
            reference=handling.reference,
            data={"due_at": (timer.due_at + timedelta(days=3)).isoformat(), "reason": "等配件"},
        )
        self.extensions = list(Extension.objects.values_list("pk", flat=True))
        # An urge awaiting the unit's reply (docs/urges.md).
        urge_create(
            actor=actor_for_user(demo.user("supervisor")),
            reference=handling.reference,
            data={"note": "请说明进度", "reply_by": (timezone.now() + timedelta(days=2)).isoformat()},
        )
        self.urges = list(Urge.objects.values_list("pk", flat=True))
        # Units summoned to a case, waiting to check in (docs/summons.md).
        summoned = case_move(
            case_file(gridworker), (dispatcher, "summon", demo.summon_payload())
        )
        self.references.append(summoned.reference)
        self.summons = list(Summons.objects.values_list("pk", flat=True))
        self.consultations = list(Consultation.objects.values_list("pk", flat=True))
        self.options = list(ConsultationOption.objects.values_list("pk", flat=True))
        self.breaches = list(SlaBreach.objects.values_list("pk", flat=True))
        self.periods = list(EvaluationReport.objects.values_list("period", flat=True))
        assert self.consultations and self.options and self.breaches and self.periods
        self.ids = {
            "grid": [demo.grid().pk],  # the grid worker's
            "category": list(Category.objects.filter(is_active=True).values_list("pk", flat=True)),
            "unit": list(Unit.objects.filter(is_active=True).values_list("pk", flat=True)),
        }
        # A payload each transition accepts, under the generated one: aimed examples run.
        self.payloads = {
            "classify": demo.classify_payload(),
            "return": {"reason": "不属于物业职责"},
            "resolve": {"result": "已清运。", "outcome": "fixed"},
            "resolve_on_spot": {"result": "当场处理"},
            "suspend": {"reason": "等居民回来"},
            "rate": {"satisfaction": "satisfied", "comment": "满意", "channel": "phone"},
            "reopen": {"reason": "复查未修好"},
            "reject": {"reason": "不属于受理范围"},
            "escalate": demo.escalate_payload(),
            "summon": demo.summon_payload(),
        }

    def token(self, username: str) -> str:
        if username not in self._tokens:
            # Through the same WSGI app: Django's test client would reconnect the signal
            # the `world` fixture disconnects.
            response = Client(application).post(
                "/api/v1/auth/token/", json={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self._tokens[username] = response.json["token"]
        return self._tokens[username]

    def user_for(self, case) -> str:
        path = case.operation.path
        if path.startswith(("/api/v1/breaches/", "/api/v1/evaluations/")):
            return "supervisor"
        if path.endswith("/ballots/"):
            return "residents_committee"
        if path == "/api/v1/cases/" and case.method == "POST":
            return "gridworker"
        if path.endswith("/extensions/") and case.method == "POST":
            return "unitmember"
        if path.endswith("/urges/") and case.method == "POST":
            return "supervisor"
        if path == "/api/v1/urges/{id}/reply/":
            return "unitmember"
        if path.startswith("/api/v1/summons/"):
            return "unitmember"  # the lead's member: checks in, closes parts
        if path.endswith("/transitions/{name}/"):
            # Someone the rules let through, so the services do the work.
            name = (case.path_parameters or {}).get("name")
            return runner_of(name) if name in TRANSITIONS else "dispatcher"
        return "dispatcher"

    def aim(self, case) -> None:
        """Swap generated ids for existing ones in most examples (path and body), and give
        JSON transitions a payload they accept and the case's current version."""
        params, path = case.path_parameters, case.operation.path
        if params and _aimed(params):
            if "reference" in params:
                params["reference"] = _pick(params, self.references)
            elif path.startswith("/api/v1/consultations/"):
                params["id"] = str(_pick(params, self.consultations))
            elif path.startswith("/api/v1/extensions/"):
                params["id"] = str(_pick(params, self.extensions))
            elif path.startswith("/api/v1/urges/"):
                params["id"] = str(_pick(params, self.urges))
            elif path.startswith("/api/v1/summons/"):
                params["id"] = str(_pick(params, self.summons))
            elif path.startswith("/api/v1/breaches/"):
                params["id"] = str(_pick(params, self.breaches))
            elif "period" in params:
                params["period"] = _pick(params, [*self.periods, "2026-12", "2027-01"])
        body = case.body
        if not (isinstance(body, dict) and _aimed(body)):
            return
        for key, ids in self.ids.items():
            if isinstance(body.get(key), int):
                body[key] = _pick(body, ids)
        if path.endswith("/ballots/") and "option" in body:
            body["option"] = _pick(body, [*map(str, self.options), "abstain"])
        if path.endswith("/transitions/{name}/") and case.media_type == "application/json":
            name = params.get("name")
            if name == "decide":
                payload = {"option": _pick(body, self.options)}
            else:
                payload = self.payloads.get(name, {})
            version = Case.objects.filter(reference=params["reference"]).values_list("version")
            case.body = {**payload, **body, "version": (version.first() or (None,))[0]}

    def headers_for(self, case) -> dict:
        return {"Authorization": f"Token {self.token(self.user_for(case))}"}


@pytest.fixture
def world(demo):
    # As Django's test client does: the end of a request closes "old" connections, and on
    # PostgreSQL that would be the one holding this test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield World(demo)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.api_schema
@pytest.mark.django_db
@schema.parametrize()
@settings(
    derandomize=False,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_operation_answers_as_the_schema_says(case, world):
    world.aim(case)
    case.call_and_validate(headers=world.headers_for(case), checks=CHECKS)
