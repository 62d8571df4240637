import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.errors import DomainError
from casework.management.progress import progress_bar
from casework.services.evaluation_run import (
    EvaluationPlan,
    evaluation_plan,
    evaluation_run,
    period_bounds,
)


class Command(BaseCommand):
    help = (
        "Run the monthly evaluation (定期评事) of a period: settle the cases awaiting "
        "evaluation and freeze the figures. Says first what it would do and changes nothing "
        "without --yes. A stored period is shown, not run again; missed periods before it run "
        "first. Without --period: every period due and not yet run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            help="YYYY-MM: the window ending at that month's evaluation day (default: catch up)",
        )
        parser.add_argument(
            "--yes", action="store_true",
            help="settle and freeze what the plan shows (closing and reopening cases cannot be undone)",
        )

    def handle(self, *args, period=None, yes=False, **options):
        started = time.monotonic()
        try:
            plan = evaluation_plan(period=period)
            if plan.stored is not None:
                self._report(plan.stored)
                return
            if not plan.periods:
                self.stdout.write(_nothing_due(plan))
                return
            self.stdout.write(_plan_text(plan))
            if not yes:
                raise CommandError("Nothing was changed. Run again with --yes to do this.")
            reports = []
            for missing in plan.periods:
                with progress_bar(self.stdout._out, description=f"{missing} settle") as update:
                    reports.append(evaluation_run(period=str(missing), progress=update))
        except DomainError as exc:
            raise CommandError(_message(exc)) from exc
        for report in reports:
            self._report(report)
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")

    def _report(self, report):
        totals = report.figures["totals"]
        starts, ends, run_at = (
            timezone.localtime(t) for t in (report.starts_at, report.ends_at, report.run_at)
        )
        settled = report.figures.get("settled", {})
        self.stdout.write(
            f"{report.period} ({starts:%Y-%m-%d %H:%M} – {ends:%Y-%m-%d %H:%M}), "
            f"frozen at {run_at:%Y-%m-%d %H:%M:%S}: "
            f"received {totals['received']}, dispatched {totals['dispatched']}, "
            f"handled {totals['handled']}, resolved {totals['resolved']}, "
            f"rated {totals['rated']}; response {totals['response_rate']}, "
            f"resolution {totals['resolution_rate']}, "
            f"satisfaction {totals['satisfaction_rate']}, composite {totals['composite']}. "
            f"Settled: closed {settled.get('closed', 0)}, "
            f"closed unrated {settled.get('closed_unrated', 0)}, "
            f"reopened {settled.get('reopened', 0)}, carried {settled.get('carried', 0)}."
        )


def _local(at) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _nothing_due(plan: EvaluationPlan) -> str:
    if plan.next_due is None:
        return (
            "Nothing due: there is no case yet. The first evaluation day is the first one "
            "after the first case."
        )
    period, due_at = plan.next_due
    if plan.first_event_at is not None:
        return (
            f"Nothing due yet: no report exists, and the first period is {period} because "
            f"the first case event was at {_local(plan.first_event_at)}; it is due at "
            f"{_local(due_at)}."
        )
    return f"Nothing due: every period up to now has its report. Next: {period}, due at {_local(due_at)}."


def _plan_text(plan: EvaluationPlan) -> str:
    windows = ", ".join(
        f"{p} ({_local(period_bounds(p)[0])} – {_local(period_bounds(p)[1])})" for p in plan.periods
    )
    s = plan.settle
    text = (
        f"Would settle and freeze, in order: {windows}.\n"
        f"The cases awaiting evaluation now: {sum(s.values())}. "
        f"{plan.periods[0]} would close {s['closed']} (rated) and {s['closed_unrated']} (unrated "
        f"too long), reopen {s['reopened']} (dissatisfied) and carry {s['carried']}."
    )
    if plan.first_event_at is not None:
        text += (
            f"\nNo report exists yet: the first period is {plan.periods[0]}, the first to end "
            f"after the first case event ({_local(plan.first_event_at)})."
        )
    return text


def _message(exc: DomainError) -> str:
    problems = [str(m) for messages in exc.fields.values() for m in messages]
    return " ".join(problems) or str(exc.detail)
