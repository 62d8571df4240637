from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.errors import DomainError
from casework.services.backups import backup_create


class Command(BaseCommand):
    help = (
        "Write one archive (owner-only) with the database and the residents' photos: "
        "docs/operations.md#backups."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path,
            help="the archive to write (default: BACKUP_DIR/casework-<UTC time>.tar.gz); "
                 "an existing file is never overwritten",
        )

    def handle(self, *args, output=None, **options):
        try:
            path = backup_create(output=output)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({path.stat().st_size} bytes)."))
