"""Months of street history for the demo: `seed_demo --months N` (docs/architecture.md#demo-data).

The past is played, not painted. Every case is filed and moved by the services the pages and
the API call, at the moment it happened (time-machine holds the clock there), while the SLA
sweep runs every hour and the evaluation day on the 20th. Breaches, whistles, settled
evaluations, frozen reports and their rankings are therefore the product's own, and every
page agrees with the case log. The plan is drawn from `random.Random(seed)` and the clock
never ticks by itself, so one seed always gives the same street.

History stops at the real present: steps planned for later are not played, so each role
starts with work in hand (cases to assign, accept, resolve and rate, breaches to review).
"""

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction
from django.test.utils import override_settings
from django.utils import timezone

from workflows.case_states import Channel, Difficulty, Outcome, Satisfaction, State, Urgency
from workflows.working_time import SHANGHAI

from .actors import actor_for_user
from .demo_cast import (
    CONCERNS,
    FATES,
    HANDLERS,
    PARTIES,
    REPORTERS,
    ROLE_USERS,
    SLOWNESS,
    STAFF,
    WRONG_UNIT,
    Concern,
)
from .errors import Conflict, DomainError, Invalid
from .models import (
    Case,
    CaseEvent,
    Category,
    Community,
    Grid,
    Membership,
    Notification,
    SlaBreach,
    SlaTimer,
    Summons,
    Unit,
)
from .services.ballots import ballot_cast
from .services.cases import case_collect, case_transition
from .services.evaluation_run import evaluation_catch_up
from .services.extensions import extension_approve, extension_ask
from .services.summons import summons_check_in, summons_part_done
from .services.urges import urge_create, urge_reply
from .services.resident import resident_case_file, resident_rate
from .services.sla_breaches import breach_acknowledge
from .services.sla_sweep import sla_sweep, timer_failure_record

BREACH_REVIEW_AFTER = timedelta(days=3)  # older breaches were reviewed; newer ones wait
READ_AFTER = timedelta(days=2)  # older notifications were read
EXTENSION_ASK, EXTENSION_GRANT = "extension_ask", "extension_grant"  # not transitions: services
EXTENSION_ASKED = timedelta(days=10)  # from the day the unit asks
URGE, URGE_REPLY = "urge", "urge_reply"
CHECK_IN, PART_DONE = "check_in", "part_done"
URGE_REPLY_WITHIN = timedelta(days=1)
ONLINE_SHARE = 0.2  # reported by residents through the public form, and rated there
FRESH, FRESH_WAITS = timedelta(days=3), 0.5  # each step of the last three days' cases: half wait
OPENS, CLOSES = time(8, 30), time(18, 30)  # when staff act (Asia/Shanghai)
# Beat sweeps every few seconds; history looks every three hours.
SWEEP_HOURS = [1, 4, 7, 10, 13, 16, 19, 22]

Step = tuple[float, str, str, dict]  # hours after the step before, username, transition, body


def history_build(
    *, months: int, seed: int, progress: Callable[[int, int], None] | None = None
) -> int:
    """Play the `months` months up to now; return the number of cases filed."""
    now = timezone.now()
    _staff()
    play = _Play(rng=random.Random(seed), now=now)
    play.plan(_months_before(timezone.localtime(now, SHANGHAI).date(), months))
    # DEBUG's cursor formats and keeps every query, a third of the time over ~100k queries.
    with override_settings(DEBUG=False), time_machine.travel(play.heap[0][0], tick=False) as clock:
        while play.heap and play.heap[0][0] <= now:
            # A day per transaction: one commit a day instead of one per step.
            midnight = datetime.combine(
                timezone.localtime(play.heap[0][0], SHANGHAI).date() + timedelta(days=1),
                time(),
                SHANGHAI,
            )
            with transaction.atomic():
                while play.heap and play.heap[0][0] < midnight and play.heap[0][0] <= now:
                    at, _, action = heapq.heappop(play.heap)
                    clock.move_to(at)
                    action()
            if progress:
                progress(play.filed, play.planned)
    sla_sweep()  # what beat's next sweep would find between the last hourly one and now
    Notification.objects.filter(read_at__isnull=True, created_at__lt=now - READ_AFTER).update(
        read_at=now
    )
    _incident(now)
    return play.filed


def _incident(now: datetime) -> None:
    """One clock the sweep could not look at, parked for an operator (the breach board and
    /readyz show it): what a locked database does to the sweep, SLA_MAX_ATTEMPTS times."""
    timer = SlaTimer.objects.filter(state=SlaTimer.State.RUNNING).order_by("-started_at").first()
    if timer is None:
        return
    while (
        timer_failure_record(
            timer_id=timer.pk, error=OperationalError("database is locked"), now=now
        )
        != "incident"
    ):
        pass


def _months_before(today: date, months: int) -> datetime:
    """Midnight of the same day `months` months back (the 28th at most, so it exists)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return datetime(year, month + 1, min(today.day, 28), tzinfo=SHANGHAI)


def _staff() -> None:
    """The street's other staff (demo_cast.STAFF), with the named demo users' password."""
    User = get_user_model()
    password = User.objects.get(username="gridworker").password
    models = {"grid": Grid, "community": Community, "unit": Unit}
    for username, (last, first), role, kind, code in STAFF:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"last_name": last, "first_name": first, "password": password},
        )
        Membership.objects.get_or_create(
            user=user, role=role, **{kind: models[kind].objects.get(code=code)}
        )


def _working(when: datetime) -> datetime:
    """Work planned outside office hours happens when the office opens."""
    local = timezone.localtime(when, SHANGHAI)
    if local.time() < OPENS:
        return datetime.combine(local.date(), OPENS, SHANGHAI) + timedelta(
            minutes=local.minute % 30
        )
    if local.time() > CLOSES:
        return datetime.combine(local.date() + timedelta(days=1), OPENS, SHANGHAI) + timedelta(
            minutes=local.minute % 30
        )
    return local


class _Play:
    """The street's calendar as a heap of (when, sequence, action); played actions plan
    what follows them."""

    def __init__(self, *, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        User = get_user_model()
        self.actors = {user.username: actor_for_user(user) for user in User.objects.all()}
        self.grids = list(Grid.objects.select_related("community").order_by("code"))
        self.units = {u.code: u for u in Unit.objects.all()}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.heap: list = []
        self.sequence = itertools.count()
        self.filed = self.planned = 0
        self.versions: dict[int, int] = {}  # case id → the version last seen
        self.filed_at: dict[int, datetime] = {}
        self.extensions: dict[int, int] = {}  # case id → its extension request
        self.urges: dict[int, int] = {}  # case id → its urge
        self.tokens: dict[int, str] = {}  # case id → the follow token of a resident's own report

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self.heap, (when, next(self.sequence), action))

    def plan(self, start: datetime) -> None:
        day = start
        while day <= self.now:
            for hour in SWEEP_HOURS:
                self.at(day + timedelta(hours=hour, minutes=5), _sweep)
            if day.day == 20:
                self.at(day + timedelta(hours=9), self._evaluation_day)
            self.at(day + timedelta(hours=17, minutes=40), _breaches_review)
            filings = self.rng.randint(2, 4) if day.weekday() >= 5 else self.rng.randint(7, 10)
            for _ in range(filings):
                minute = self.rng.randint(8 * 60 + 30, 18 * 60 + 30)
                self.at(day + timedelta(minutes=minute), self._filing())
                self.planned += 1
            day += timedelta(days=1)

    # -- a case's story ---------------------------------------------------------------------

    def _filing(self) -> Callable[[], None]:
        rng = self.rng
        grid = rng.choice(self.grids)
        concern = rng.choice(CONCERNS)
        building = rng.randint(1, 24)
        fate = rng.choices(list(FATES), weights=list(FATES.values()))[0]
        if fate == "consulted" and not concern.consultable:
            fate = "on_time"
        data = {
            "title": concern.title.format(b=building),
            "description": concern.description.format(b=building),
            "grid": grid.pk,
            "channel": rng.choice(
                [Channel.HALL, Channel.POINT, Channel.DOOR_VISIT, Channel.SNAPSHOT]
            ),
            "address": concern.address.format(b=building),
            "reporter_name": rng.choice(REPORTERS) + rng.choice(["先生", "女士"]),
            "reporter_phone": f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
        }

        online = rng.random() < ONLINE_SHARE

        def file():
            case = self._online(data, concern) if online else None
            if case is None:
                case = case_collect(actor=self.actors[ROLE_USERS["grid", grid.code]], data=data)
            self.filed += 1
            self.filed_at[case.pk] = case.created_at
            self._story(case, grid=grid, concern=concern, fate=fate)

        return file

    def _online(self, data: dict, concern: Concern) -> Case | None:
        """The resident reports through the public form instead (None if the category asks
        questions the demo does not answer)."""
        fields = ("description", "address", "reporter_name", "reporter_phone")
        report = {key: data[key] for key in fields}
        grid = next(g for g in self.grids if g.pk == data["grid"])
        try:
            case, token = resident_case_file(
                channel=Channel.ONLINE, data={**report, "category": concern.category, "grid": grid.code}
            )
        except Invalid:
            return None
        self.tokens[case.pk] = token
        return case

    def _story(self, case: Case, *, grid: Grid, concern: Concern, fate: str) -> None:
        rng, community = self.rng, grid.community.code
        dispatcher, gridworker = ROLE_USERS["dispatcher", community], ROLE_USERS["grid", grid.code]
        handlers = HANDLERS[concern.family]
        unit = self.units[handlers.get(community) or handlers["*"]]
        member = ROLE_USERS["unit", unit.code]
        urgent = concern.category.startswith("safety")
        late = fate == "late" or rng.random() < SLOWNESS[unit.code]
        classify = {
            "category": self.categories[concern.category].pk,
            "urgency": Urgency.URGENT if urgent else Urgency.NORMAL,
            "difficulty": Difficulty.HARD
            if fate == "consulted"
            else Difficulty.URGENT
            if urgent
            else Difficulty.SMALL,
            "unit": unit.pk,
        }
        steps: list[Step] = []
        if fate == "on_spot":
            steps.append(
                (rng.uniform(0.2, 2), gridworker, "resolve_on_spot", {"result": concern.on_spot})
            )
            steps += self._rating(gridworker, dispatcher, late=False)
            return self._steps(case.pk, steps)
        if fate == "rejected":
            return self._steps(
                case.pk,
                [
                    (
                        rng.uniform(0.5, 5),
                        dispatcher,
                        "reject",
                        {"reason": rng.choice(concern.reject)},
                    )
                ],
            )
        if fate == "returned":
            wrong = WRONG_UNIT[community] if unit.code != WRONG_UNIT[community] else "dept-urban"
            steps.append(
                (
                    rng.uniform(0.3, 3),
                    dispatcher,
                    "classify",
                    {**classify, "unit": self.units[wrong].pk},
                )
            )
            steps.append(
                (
                    rng.uniform(1, 8),
                    ROLE_USERS["unit", wrong],
                    "return",
                    {"reason": "不属于本单位职责，请改派。"},
                )
            )
        if fate == "summoned":  # 吹哨报到: the lead and a co-unit report in; the co-unit does its part
            property_ = WRONG_UNIT[community]
            co = self.units[property_ if unit.code != property_ else "dept-urban"]
            co_member = ROLE_USERS["unit", co.code]
            origin = rng.choice(["community", "community", "resident"])
            summon = {**classify, "lead": unit.pk, "co_units": [co.pk], "origin": origin,
                      "reason": "涉及多个单位职责，吹哨联合处置。"}  # fmt: skip
            steps.append((rng.uniform(0.3, 3), dispatcher, "summon", summon))
            steps.append((rng.uniform(0.1, 0.6), member, CHECK_IN, {"unit": unit.code}))
            steps.append((rng.uniform(0.1, 0.6), co_member, CHECK_IN, {"unit": co.code}))
            steps.append((rng.uniform(0.1, 2), member, "accept", {}))
            steps.append((rng.uniform(4, 48), co_member, PART_DONE, {"unit": co.code}))
            resolve = {"result": concern.result, "outcome": Outcome.FIXED}
            steps.append((rng.uniform(2, 24), member, "resolve", resolve))
            return self._steps(case.pk, steps + self._rating(gridworker, dispatcher, late=False))
        steps.append((rng.uniform(0.3, 3), dispatcher, "classify", classify))
        if fate == "consulted":
            steps.append((rng.uniform(24, 72), dispatcher, "escalate", self._options(unit)))
            return self._steps(case.pk, steps, then=lambda: self._votes(case.pk, community))
        if late:
            accept = rng.uniform(3, 8) if urgent else rng.uniform(30, 60)
            resolve = rng.uniform(30, 50) if urgent else rng.uniform(8 * 24, 12 * 24)
        else:
            accept = rng.uniform(0.2, 1.5) if urgent else rng.uniform(0.5, 6)
            resolve = rng.uniform(2, 20) if urgent else rng.uniform(4, 96)
        steps.append((accept, member, "accept", {}))
        if fate == "suspended":
            steps.append((rng.uniform(2, 24), member, "suspend", {"reason": "等待配件到货。"}))
            steps.append((rng.uniform(48, 120), member, "resume", {}))
        if late and not urgent and rng.random() < 0.5:  # the street urges a slow unit
            steps.append((rng.uniform(4 * 24, 6 * 24), "supervisor", URGE, {"note": "请说明进展，抓紧办理。"}))
            steps.append((rng.uniform(2, 36), member, URGE_REPLY, {"note": "已安排人员，本周内办结。"}))
        if fate == "extended" and not urgent:  # more time asked and granted; resolved within it
            steps.append((rng.uniform(24, 96), member, EXTENSION_ASK, {"reason": "需协调多个产权单位，申请延期。"}))
            steps.append((rng.uniform(1, 8), dispatcher, EXTENSION_GRANT, {}))
            resolve = rng.uniform(6 * 24, 9 * 24)
        steps.append(
            (resolve, member, "resolve", {"result": concern.result, "outcome": Outcome.FIXED})
        )
        if fate != "unrated":
            steps += self._rating(gridworker, dispatcher, late=late, unhappy=fate == "reopened")
        self._steps(case.pk, steps, anytime=urgent)

    def _rating(
        self, gridworker: str, dispatcher: str, *, late: bool, unhappy: bool = False
    ) -> list[Step]:
        """The grid worker's callback (回访); a third of the rated cases are then closed by the
        dispatcher, the rest on the evaluation day."""
        rng = self.rng
        if unhappy:
            satisfaction, comment = Satisfaction.DISSATISFIED, "问题没有根本解决，还在反复。"
        elif rng.random() < (0.35 if late else 0.15):
            satisfaction, comment = Satisfaction.BASICALLY_SATISFIED, "处理慢了些，总算解决了。"
        else:
            satisfaction, comment = Satisfaction.SATISFIED, "处理及时，谢谢。"
        body = {
            "satisfaction": satisfaction,
            "comment": comment,
            "channel": rng.choice(["phone", "visit"]),
        }
        steps = [(rng.uniform(2, 72), gridworker, "rate", body)]
        if not unhappy and rng.random() < 0.3:
            steps.append((rng.uniform(1, 48), dispatcher, "close", {}))
        return steps

    def _options(self, unit: Unit) -> dict:
        other = self.units["dept-housing" if unit.code == "dept-urban" else "dept-urban"]
        return {
            "mode": "online",
            "options": [
                {"text": "承办单位限期整改，社区跟进督促", "unit": unit.pk},
                {"text": "职能部门依法处置，社区做好解释", "unit": other.pk},
                "维持现状，组织双方再协商",
            ],
        }

    def _votes(self, case_id: int, community: str) -> None:
        """In 和平社区 (C1, where the demo's six seats sit) the parties vote within two days
        and four agree; elsewhere nobody votes, the ballot window runs out and the supervisor
        decides."""
        rng, now = self.rng, timezone.now()
        consultation = Case.objects.get(pk=case_id).consultations.order_by("-id").first()
        options = list(consultation.options.order_by("position"))
        if community != "C1":
            decide = (rng.uniform(50, 60), "supervisor", "decide", {"option": str(options[0].pk)})
            return self._steps(case_id, [decide], then=lambda: self._after_decision(case_id))
        winner = options[rng.choice([0, 0, 1])]
        hours = sorted(rng.uniform(1, 40) for _ in PARTIES)
        for index, party in enumerate(rng.sample(PARTIES, len(PARTIES))):
            option = winner if index < 4 else rng.choice(options)
            last = index == len(PARTIES) - 1
            self.at(
                now + timedelta(hours=hours[index]),
                self._ballot(consultation.pk, party, option.pk, case_id if last else None),
            )

    def _ballot(
        self, consultation_id: int, party: str, option_id: int, decides: int | None
    ) -> Callable[[], None]:
        def ballot():
            try:
                ballot_cast(
                    actor=self.actors[party],
                    consultation_id=consultation_id,
                    data={"option": str(option_id)},
                )
            except DomainError:
                return
            if decides is not None:
                self._after_decision(decides)

        return ballot

    def _after_decision(self, case_id: int) -> None:
        case = Case.objects.select_related("unit", "grid", "community").get(pk=case_id)
        if case.state != State.HANDLING or case.unit is None:
            return
        resolve = (self.rng.uniform(48, 240), ROLE_USERS["unit", case.unit.code], "resolve",
                   {"result": "已按会商决定整改到位。", "outcome": Outcome.FIXED})  # fmt: skip
        rating = self._rating(
            ROLE_USERS["grid", case.grid.code],
            ROLE_USERS["dispatcher", case.community.code],
            late=False,
        )
        self._steps(case_id, [resolve, *rating])

    def _evaluation_day(self) -> None:
        """What beat does on the 20th; the cases it reopens go back to their unit."""
        for report in evaluation_catch_up():
            reopened = CaseEvent.objects.filter(
                transition="reopen", payload__evaluation=report.period
            )
            for case in Case.objects.select_related("unit", "grid", "community").filter(
                pk__in=list(reopened.values_list("case_id", flat=True))
            ):
                resolve = (self.rng.uniform(24, 120), ROLE_USERS["unit", case.unit.code], "resolve",
                           {"result": "二次上门处理，问题已根治。", "outcome": Outcome.FIXED})  # fmt: skip
                grid, dispatcher = (
                    ROLE_USERS["grid", case.grid.code],
                    ROLE_USERS["dispatcher", case.community.code],
                )
                self._steps(case.pk, [resolve, *self._rating(grid, dispatcher, late=False)])

    def _waits(self, case_id: int) -> bool:
        """Work on the last days' cases is partly still to do: the queues the roles open
        first are not empty. Such a case stays where it is."""
        if self.now - self.filed_at[case_id] > FRESH:
            return False
        return self.rng.random() < FRESH_WAITS

    def _name(self, username: str) -> str:
        user = get_user_model().objects.get(username=username)
        return user.last_name + user.first_name

    def _transition(self, case_id: int, username: str, name: str, body: dict) -> None:
        """As a person would: with the version last seen, reloaded once if the case has moved
        since (a whistle, a ballot, the evaluation day)."""
        try:
            case = self._run(case_id, username, name, body, self.versions.get(case_id, 1))
        except Conflict as exc:
            if exc.code != "stale_version":
                raise
            self.versions[case_id] = Case.objects.values_list("version", flat=True).get(pk=case_id)
            case = self._run(case_id, username, name, body, self.versions[case_id])
        self.versions[case_id] = case.version

    def _run(self, case_id: int, username: str, name: str, body: dict, version: int) -> Case:
        actor = self.actors[username] if username else None
        if name == "rate" and case_id in self.tokens:  # who reported online rates online
            return resident_rate(token=self.tokens[case_id], version=version, data=body)
        if name == EXTENSION_ASK:
            case = Case.objects.get(pk=case_id)
            due = timezone.now() + EXTENSION_ASKED
            self.extensions[case_id] = extension_ask(
                actor=actor, reference=case.reference, data={**body, "due_at": due.isoformat()}
            ).pk
            return Case.objects.get(pk=case_id)
        if name in (CHECK_IN, PART_DONE):
            summons = Summons.objects.get(
                case_id=case_id, unit__code=body["unit"], superseded_at__isnull=True
            ).pk
            if name == CHECK_IN:
                summons_check_in(actor=actor, summons_id=summons, data={"attendee": self._name(username)})
            else:
                note = {"note": "已完成本单位负责部分。"}
                summons_part_done(actor=actor, summons_id=summons, data=note)
            return Case.objects.get(pk=case_id)
        if name == URGE:
            case = Case.objects.get(pk=case_id)
            reply_by = timezone.now() + URGE_REPLY_WITHIN
            self.urges[case_id] = urge_create(
                actor=actor, reference=case.reference, data={**body, "reply_by": reply_by.isoformat()}
            ).pk
            return Case.objects.get(pk=case_id)
        if name == URGE_REPLY:
            urge_reply(actor=actor, urge_id=self.urges[case_id], data=body)
            return Case.objects.get(pk=case_id)
        if name == EXTENSION_GRANT:
            extension_approve(actor=actor, extension_id=self.extensions[case_id])
            return Case.objects.get(pk=case_id)
        return case_transition(
            actor=self.actors[username], case_id=case_id, name=name, payload=body, version=version
        )

    def _steps(
        self,
        case_id: int,
        steps: list[Step],
        then: Callable[[], None] | None = None,
        *,
        anytime=False,
    ) -> None:
        """Plan `steps` one after the other from now, in office hours unless `anytime` (an
        urgent case). A step that no longer applies (the evaluation day settled the case
        first) ends the story there."""
        if not steps:
            return then() if then else None
        (hours, username, name, body), rest = steps[0], steps[1:]
        when = timezone.now() + timedelta(hours=hours)

        def step():
            if self._waits(case_id):
                return
            try:
                self._transition(case_id, username, name, body)
            except DomainError:
                return
            self._steps(case_id, rest, then, anytime=anytime)

        step.__name__ = name
        self.at(when if anytime else _working(when), step)


def _sweep() -> None:
    """Beat's SLA sweep, skipped in the (many) hours when no clock needs looking at."""
    if SlaTimer.objects.filter(next_check_at__lte=timezone.now()).exists():
        sla_sweep()


def _breaches_review() -> None:
    """The supervisor's evening review of the breaches three days old and more."""
    supervisor = actor_for_user(get_user_model().objects.get(username="supervisor"))
    due = SlaBreach.objects.filter(
        acknowledged_at__isnull=True, breached_at__lte=timezone.now() - BREACH_REVIEW_AFTER
    ).values_list("pk", flat=True)
    for pk in list(due):
        breach_acknowledge(
            actor=supervisor, breach_id=pk, comment="已督办，承办单位说明原因并整改。"
        )
