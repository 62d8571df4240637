"""Build what a test needs through the services, the way the doors do.

`Demo` wraps the seeded street (docs/architecture.md#demo-data: seed_demo's cast) so tests can say
`demo.user("dispatcher")`, `demo.case_in("handling")` and read like the story they tell.
"""

import importlib

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from casework.actors import actor_for_user
from casework.demo import demo_seed
from casework.models import Case, Category, Consultation, Grid, Membership, Role, Unit
from casework.services.cases import case_collect, case_transition
from casework.services.consultations import vote_deadline_reached
from workflows.case_states import Channel, Outcome, Satisfaction, Urgency
from workflows.transitions import TRANSITIONS

PASSWORD = "pw-test"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"


def categories_ensure() -> None:
    """The category tree and SLA policies are migration data; a transactional test's flush
    wipes them."""
    for name in ("0002_seed_categories", "0004_seed_sla_policies", "0018_summons"):
        importlib.import_module(f"casework.migrations.{name}").seed(django_apps, None)


def actor_of(user):
    # A fresh user object, so memberships added since are seen (actor_for_user caches).
    return actor_for_user(get_user_model().objects.get(pk=user.pk))


def case_file(user, **fields) -> Case:
    """File a case as `user` through the intake service."""
    data = {
        "title": "3号楼垃圾桶满溢",
        "description": "东侧垃圾桶两天没有清运。",
        "grid": Grid.objects.get(code="C1-G1").pk,
        "channel": Channel.HALL,
        "reporter_name": "李先生",
        "reporter_phone": PHONE,
        **fields,
    }
    return case_collect(actor=actor_of(user), data=data)


def case_move(case: Case, *steps) -> Case:
    """Run (user, transition, payload) steps in order, each with the case's current version."""
    for user, name, payload in steps:
        case = case_transition(
            actor=actor_of(user), case_id=case.pk, name=name, payload=payload, version=case.version
        )
    return case


def case_snapshot(case: Case) -> dict:
    """Everything a refused transition must leave alone: the row and the event log."""
    case = Case.objects.get(pk=case.pk)
    return {
        "state": case.state,
        "version": case.version,
        "events": case.events.count(),
        "row": {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields},
    }


class Demo:
    """The seeded street, with shortcuts to its people, places and typical cases."""

    def user(self, username: str):
        return get_user_model().objects.get(username=username)

    def grid(self, code: str = "C1-G1") -> Grid:
        return Grid.objects.get(code=code)

    def unit(self, code: str = "property-1") -> Unit:
        return Unit.objects.get(code=code)

    def category(self, code: str = "env-garbage") -> Category:
        return Category.objects.get(code=code)

    def classify_payload(self, unit: str = "property-1", **overrides) -> dict:
        return {
            "category": self.category().pk,
            "urgency": Urgency.NORMAL,
            "difficulty": "small",
            "unit": self.unit(unit).pk,
            **overrides,
        }

    def summon_payload(self, lead: str = "property-1", co=("dept-urban",), **overrides) -> dict:
        """A community's whistle (docs/summons.md): a lead and co-units serving C1."""
        return {
            "lead": self.unit(lead).pk,
            "co_units": [self.unit(code).pk for code in co],
            "origin": "community",
            "reason": "垃圾清运涉及物业与城管，需联合处置。",
            "category": self.category().pk,
            "urgency": Urgency.NORMAL,
            "difficulty": "small",
            **overrides,
        }

    def escalate_payload(self, **overrides) -> dict:
        """Two plans: the first for the assigned unit, the second naming the urban management."""
        return {
            "mode": "online",
            "options": ["物业限期清运并加装垃圾桶", {"text": "城管介入执法", "unit": self.unit("dept-urban").pk}],
            **overrides,
        }

    # How to bring a fresh case to each state, as the people who would do it.
    STATES = (
        "collected",
        "classified",
        "handling",
        "handling_suspended",
        "evaluating",
        "evaluating_rated",
        "closed",
        "rejected",
        "consultation",
        "consultation_undecided",
    )

    def steps_to(self, state: str) -> list:
        dispatcher, unitmember, gridworker = (
            self.user("dispatcher"),
            self.user("unitmember"),
            self.user("gridworker"),
        )
        classify = (dispatcher, "classify", self.classify_payload())
        accept = (unitmember, "accept", {})
        resolve = (unitmember, "resolve", {"result": "已清运。", "outcome": Outcome.FIXED})
        # Staff rate only on a callback (回访) for a resident who has not rated.
        rate = (
            gridworker,
            "rate",
            {"satisfaction": Satisfaction.SATISFIED, "comment": "及时", "channel": "phone"},
        )
        classify_hard = (dispatcher, "classify", self.classify_payload(difficulty="hard"))
        escalate = (dispatcher, "escalate", self.escalate_payload())
        return {
            "collected": [],
            "classified": [classify],
            "handling": [classify, accept],
            "handling_suspended": [classify, accept, (unitmember, "suspend", {"reason": "等居民回来"})],
            "evaluating": [classify, accept, resolve],
            "evaluating_rated": [classify, accept, resolve, rate],
            "closed": [classify, accept, resolve, rate, (dispatcher, "close", {})],
            "rejected": [(dispatcher, "reject", {"reason": "不属于受理范围。"})],
            # The six parties are voting.
            "consultation": [classify_hard, escalate],
            # The vote closed without a ballot: the supervisor decides.
            "consultation_undecided": [classify_hard, escalate],
        }[state]

    def case_in(self, state: str, **fields) -> Case:
        case = case_file(self.user("gridworker"), **fields)
        case = case_move(case, *self.steps_to(state))
        if state == "consultation_undecided":
            case = vote_close_now(case)
        return case


def consultation_of(case: Case) -> Consultation:
    return Consultation.objects.filter(case_id=case.pk).order_by("-id").first()


def vote_close_now(case: Case) -> Case:
    """Close the case's vote as if its ballot window had just run out."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        vote_deadline_reached(case=locked, now=timezone.now())
    return Case.objects.get(pk=case.pk)


def demo_build() -> Demo:
    demo_seed(password=PASSWORD, cases=False)
    categories_ensure()
    return Demo()


# The demo user who plays each role a transition's spec names in `who`.
ROLE_USERS = {
    "grid_worker": "gridworker",
    "dispatcher": "dispatcher",
    "unit": "unitmember",
    "supervisor": "supervisor",
}


def runner_of(name: str) -> str:
    """The demo user who would run transition `name`: the first staff role its spec names."""
    return next(ROLE_USERS[role] for role in TRANSITIONS[name].who if role in ROLE_USERS)


def transition_url(reference: str, name: str) -> str:
    return f"/api/v1/cases/{reference}/transitions/{name}/"


def case_url(reference: str, suffix: str = "") -> str:
    return f"/api/v1/cases/{reference}/{suffix}"


def consultation_url(consultation_id: int, suffix: str = "") -> str:
    return f"/api/v1/consultations/{consultation_id}/{suffix}"


def parties_reachable_by_email() -> None:
    """The six parties' representatives get their invitations by e-mail too, so escalating
    puts deliveries in the outbox and kicks the task that sends them."""
    for membership in Membership.objects.filter(role=Role.PARTY_REPRESENTATIVE).select_related("user"):
        membership.user.email = f"{membership.user.username}@example.org"
        membership.user.save(update_fields=["email"])
