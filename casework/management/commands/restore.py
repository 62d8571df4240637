from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from casework.errors import DomainError
from casework.services.backups import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and media folder, then check every "
        "frozen evaluation report and every case against the event log (exit status 1 when "
        "anything is refused or disagrees): docs/operations.md#backups."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask before restoring")
        parser.add_argument(
            "--force", action="store_true",
            help="replace a database that has tables (they are dropped) and write over the "
                 "media folder's files",
        )

    def handle(self, *args, archive, yes, force, **options):
        if not yes:
            self._confirm(force)
        try:
            restored = backup_restore(archive=archive, force=force)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        manifest = restored.manifest
        self.stdout.write(
            f"Restored {archive} (made {manifest['created_at']}, {manifest['database']['vendor']}) "
            f"and {restored.media_files} media file(s)"
            + ("; migrated to this version." if restored.migrated else ".")
        )
        for line in restored.problems:
            self.stdout.write(line)
        checked = (f"{restored.reports_checked} frozen evaluation report(s) and "
                   f"{restored.cases_checked} case(s)")
        if restored.problems:
            raise CommandError(f"Checked {checked}: {len(restored.problems)} disagree with the log.")
        self.stdout.write(self.style.SUCCESS(f"Checked {checked}: all agree with the event log."))

    def _confirm(self, force: bool) -> None:
        target = connection.settings_dict["NAME"]
        warning = " Everything in it will be REPLACED." if force else ""
        answer = input(f"Restore into the database {target}?{warning} Type 'yes' to go on: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Restore cancelled.")
