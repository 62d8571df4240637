import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.errors import DomainError
from casework.management.progress import progress_bar
from casework.services.evaluation_run import evaluation_catch_up, evaluation_run


class Command(BaseCommand):
    help = (
        "Run the monthly evaluation (定期评事) of a period: settle the cases awaiting "
        "evaluation and freeze the figures. A stored period is shown, not run again; missed "
        "periods before it run first. Without --period: every period due and not yet run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            help="YYYY-MM: the window ending at that month's evaluation day (default: catch up)",
        )

    def handle(self, *args, period=None, **options):
        started = time.monotonic()
        try:
            if period is None:
                reports = evaluation_catch_up()
            else:
                with progress_bar(self.stdout._out, description=f"{period} settle") as update:
                    reports = [evaluation_run(period=period, progress=update)]
        except DomainError as exc:
            raise CommandError(_message(exc)) from exc
        if not reports:
            self.stdout.write("Nothing due: every period up to now has its report.")
        for report in reports:
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
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")


def _message(exc: DomainError) -> str:
    problems = [str(m) for messages in exc.fields.values() for m in messages]
    return " ".join(problems) or str(exc.detail)
