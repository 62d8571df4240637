from django.core.management.base import BaseCommand, CommandError

from casework.errors import DomainError
from casework.services.evaluation_verify import evaluation_verify


class Command(BaseCommand):
    help = (
        "Recompute a frozen evaluation report from the case event log and report every "
        "difference (exit status 1 when there is one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args, period, **options):
        try:
            differences = evaluation_verify(period=period)
        except DomainError as exc:
            problems = [str(m) for messages in exc.fields.values() for m in messages]
            raise CommandError(" ".join(problems) or str(exc.detail)) from exc
        if differences:
            for line in differences:
                self.stdout.write(line)
            raise CommandError(
                f"{period}: {len(differences)} difference(s) between the report and the log."
            )
        self.stdout.write(self.style.SUCCESS(f"{period}: the report agrees with the log."))
