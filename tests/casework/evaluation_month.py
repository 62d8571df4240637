"""A month built by hand for the evaluation tests: period 2026-11, i.e. events from
2026-10-21 00:00 to the run on 2026-11-20 09:00 (Asia/Shanghai).

Thirteen cases, one per path, each step at a stated time (default SLA policies: respond one
working day, urgent 2 h; resolve 7 days):

A  on time all the way, satisfied (the resident)       → evaluation day closes it
B  late response and late resolve (both breaches recorded by sweeps), explained,
   basically satisfied (a callback)                     → closes it
C  returned by property-1, reassigned to dept-urban, resolved "not responsible",
   dissatisfied (the resident)                           → reopens it
D  settled on the spot on Nov 3, never rated (> 7 days) → closes it as unrated
E  settled on the spot on Nov 18, never rated, filed with category mun-lighting → carried
F  filed in grid C1-G2 and rejected
G  filed in October, dispatched Oct 22 (in the period), resolved late as "unable", never
   rated                                                 → closes it as unrated
H  dispatched Nov 18, never answered: its respond clock runs past due at the run, and no
   sweep recorded that
I  settled on the spot in October, rated satisfied Nov 10 (the resident) → closes it
J  resolved, reopened by the supervisor, resolved again, satisfied (the resident)
                                                         → closes it
K  dispatched, then escalated to a consultation
L  resolved exactly 7 days before the run, never rated  → carried (not MORE than 7 days)
M  community C2 (grid C2-G1, unit property-2), satisfied (a callback by its grid worker),
   closed by hand on Nov 14

Residents rate through their follow link (the door acts as `resident_of(case)`); staff
record callbacks (回访) for the others. Ratings: 4 by residents (A C I J), 2 on callbacks (B M).
"""

from datetime import datetime

import time_machine

from casework.models import Case, CaseEvent, Category
from casework.services.cases import case_transition
from casework.services.evaluation_run import evaluation_run
from casework.services.sla_sweep import sla_sweep
from casework.services.sla_timers import timers_apply
from tests.factories import case_file, case_move
from workflows.actors import resident_of
from workflows.transitions import TRANSITIONS
from workflows.working_time import SHANGHAI

RUN = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)


def at(month, day, hour, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def escalate_directly(case: Case, moment: datetime) -> Case:
    """The consultation's `escalate`, as its event and clocks record it (stop respond,
    start consult). Written directly so this month does not depend on the consultation's
    inputs; the figures read only the event."""
    with time_machine.travel(moment, tick=False):
        case.refresh_from_db()
        Case.objects.filter(pk=case.pk).update(state="consultation", version=case.version + 1)
        CaseEvent.objects.create(
            case=case, seq=case.version + 1, transition="escalate", from_state=case.state,
            to_state="consultation", actor=None, at=moment, payload={"mode": "online"},
        )
        timers_apply(case=case, timers=TRANSITIONS["escalate"].timers, at=moment)
    case.refresh_from_db()
    return case


class Month:
    """Builds the month in time order; `cases["A"]` … after `build()`."""

    def __init__(self, demo):
        self.demo = demo
        self.cases: dict[str, Case] = {}
        u = demo.user
        self.gridworker, self.dispatcher, self.unitmember = (
            u("gridworker"), u("dispatcher"), u("unitmember")
        )
        self.supervisor, self.admin, self.outsider = u("supervisor"), u("admin"), u("outsider")

    def file(self, name, moment, user=None, **fields):
        with time_machine.travel(moment, tick=False):
            self.cases[name] = case_file(user or self.gridworker, **fields)

    def do(self, name, moment, user, transition, payload=None):
        with time_machine.travel(moment, tick=False):
            self.cases[name] = case_move(self.cases[name], (user, transition, payload or {}))

    def resident_rates(self, name, moment, satisfaction):
        """What the follow link's rate page does once it has found the case by its token."""
        case = self.cases[name]
        with time_machine.travel(moment, tick=False):
            self.cases[name] = case_transition(
                actor=resident_of(case.pk), case_id=case.pk, name="rate",
                payload={"satisfaction": satisfaction, "comment": ""}, version=case.version,
            )

    def classify(self, name, moment, unit="property-1", user=None):
        self.do(name, moment, user or self.dispatcher, "classify",
                self.demo.classify_payload(unit=unit))

    def build(self) -> None:
        gw, disp, um, admin = self.gridworker, self.dispatcher, self.unitmember, self.admin
        fixed = {"result": "已处理", "outcome": "fixed"}
        callback = lambda s: {"satisfaction": s, "comment": "电话回访：还可以", "channel": "phone"}

        # The period before: I settled on the spot, G filed.
        self.file("I", at(10, 10, 10))
        self.do("I", at(10, 10, 10, 30), gw, "resolve_on_spot", {"result": "当场处理"})
        self.file("G", at(10, 15, 10))
        # In the period.
        self.classify("G", at(10, 22, 10))
        self.do("G", at(10, 22, 11), um, "accept")
        self.do("G", at(10, 30, 10), um, "resolve", {"result": "暂无条件", "outcome": "unable"})

        for name in "ABCJ":
            self.file(name, at(11, 2, 9))
        for name in "ABCJ":
            self.classify(name, at(11, 2, 10))
        self.do("C", at(11, 2, 11), um, "return", {"reason": "不归物业管"})
        self.do("J", at(11, 2, 11), um, "accept")
        self.classify("C", at(11, 2, 12), unit="dept-urban")
        self.do("A", at(11, 2, 15), um, "accept")
        self.do("C", at(11, 3, 9), admin, "accept")
        self.file("D", at(11, 3, 9))
        self.do("D", at(11, 3, 9, 30), gw, "resolve_on_spot", {"result": "当场协调"})
        self.do("J", at(11, 3, 10), um, "resolve", fixed)
        self.sweep(at(11, 3, 12))  # B's respond clock (due Nov 3 10:00) is breached
        self.file("F", at(11, 4, 9), disp, grid=self.demo.grid("C1-G2").pk)
        self.do("F", at(11, 4, 10), disp, "reject", {"reason": "不属于受理范围"})
        self.do("B", at(11, 4, 10), um, "accept")
        self.do("J", at(11, 4, 10), self.supervisor, "reopen", {"reason": "复查未修好"})
        self.do("A", at(11, 5, 10), um, "resolve", fixed)
        self.do("J", at(11, 5, 10), um, "resolve", fixed)
        self.do("C", at(11, 6, 9), admin, "resolve", {"result": "非职责", "outcome": "not_responsible"})
        self.resident_rates("A", at(11, 6, 10), "satisfied")
        self.resident_rates("J", at(11, 6, 10), "satisfied")
        self.resident_rates("C", at(11, 9, 9), "dissatisfied")
        self.file("K", at(11, 9, 9))
        self.file("L", at(11, 9, 9))
        self.classify("K", at(11, 9, 10))
        self.classify("L", at(11, 9, 10))
        self.cases["K"] = escalate_directly(self.cases["K"], at(11, 9, 11))
        self.do("L", at(11, 9, 11), um, "accept")
        self.file("M", at(11, 10, 9), self.outsider, grid=self.demo.grid("C2-G1").pk)
        self.classify("M", at(11, 10, 10), unit="property-2", user=admin)
        self.resident_rates("I", at(11, 10, 10), "satisfied")
        self.do("M", at(11, 10, 12), admin, "accept")
        self.sweep(at(11, 11, 12))  # B's resolve clock (due Nov 11 10:00) is breached
        self.do("B", at(11, 12, 10), um, "resolve", {"result": "已解释", "outcome": "explained"})
        self.do("M", at(11, 12, 12), admin, "resolve", fixed)
        self.do("L", at(11, 13, 9), um, "resolve", fixed)
        self.do("B", at(11, 13, 10), gw, "rate", callback("basically_satisfied"))
        self.do("M", at(11, 13, 10), self.outsider, "rate", callback("satisfied"))
        self.do("M", at(11, 14, 10), admin, "close")
        lighting = Category.objects.get(code="mun-lighting").pk
        self.file("E", at(11, 18, 9), category=lighting)
        self.file("H", at(11, 18, 9))
        self.do("E", at(11, 18, 10), gw, "resolve_on_spot", {"result": "当场修好"})
        self.classify("H", at(11, 18, 10))

    def sweep(self, moment):
        with time_machine.travel(moment, tick=False):
            sla_sweep(now=moment)
        for case in self.cases.values():  # a whistle bumps the case's version
            case.refresh_from_db()

    def run(self):
        with time_machine.travel(RUN, tick=False):
            return evaluation_run(period="2026-11")


def figures_without_source_counts(report) -> dict:
    """The report's figures as a report frozen before ratings were counted by source holds
    them: no `rated_resident`/`rated_callback` in any row."""
    figures = report.figures
    for rows in figures.values():
        for row in [rows] if isinstance(rows, dict) else rows if isinstance(rows, list) else []:
            row.pop("rated_resident", None)
            row.pop("rated_callback", None)
    return figures
