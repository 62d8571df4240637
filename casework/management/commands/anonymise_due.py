from django.core.management.base import BaseCommand

from casework.services.retention import cases_anonymise_due


class Command(BaseCommand):
    help = (
        "Remove residents' contact details from cases closed or rejected more than "
        "RETENTION_MONTHS ago, as the daily beat task does (docs/privacy.md#retention)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the cases that are due."
        )

    def handle(self, *args, dry_run=False, **options):
        count = cases_anonymise_due(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{count} case(s) due for anonymisation; nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{count} case(s) anonymised."))
