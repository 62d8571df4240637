"""Backups (docs/operations.md#backups): one archive holding the database and the residents'
photos, and a restore into an empty database that proves itself with the log's own checks.

Everything that could refuse a restore is checked before the target is touched: the archive
(names, sums), its vendor and schema, and that the database and media folder are empty.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from ..backup_archive import (
    DATABASE_MEMBERS,
    FORMAT,
    MEDIA,
    BackupRefused,
    archive_read,
    archive_write,
)
from ..backup_databases import (
    database_clear,
    database_dump,
    database_load,
    database_tables,
    database_vendor_check,
)
from ..models import Case, EvaluationReport
from .case_log_verify import case_log_verify
from .evaluation_verify import evaluation_verify


@dataclass(frozen=True)
class Restored:
    manifest: dict
    media_files: int
    migrated: bool
    reports_checked: int
    cases_checked: int
    problems: list[str]  # [] when every frozen report and every case agree with the log


def backup_create(*, output: Path | None = None) -> Path:
    """Write an archive of the database and MEDIA_ROOT; return its path."""
    database_vendor_check(connection)
    path = _output_path(output)
    try:
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".casework-backup-") as scratch:
            manifest = _manifest()  # as the snapshot is taken
            # The database first: every photo a dumped row names was saved before its row.
            dump = database_dump(connection=connection, into=Path(scratch))
            members = {dump.name: dump, **_media_files()}
            archive_write(path=path, manifest=manifest, members=members)
    except OSError as exc:
        raise BackupRefused(
            _("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc
    return path


def backup_restore(*, archive: Path, force: bool = False) -> Restored:
    """Restore an archive into this installation's database and MEDIA_ROOT, bring the schema
    up to this version, then check every frozen report and every case against the log."""
    database_vendor_check(connection)
    with tempfile.TemporaryDirectory(prefix="casework-restore-") as scratch:
        manifest = archive_read(path=Path(archive), into=Path(scratch))
        _refuse_another_vendor(manifest)
        _refuse_a_newer_schema(manifest)
        photos = _media_targets(manifest)
        if force:
            database_clear(connection)
        else:
            _refuse_a_target_in_use()
        database_load(connection=connection, dump=Path(scratch, manifest["database"]["member"]))
        try:
            _media_restore(Path(scratch), photos)
        except OSError as exc:
            raise BackupRefused(_("The database is restored, but its photos could not all be "
                                  "written: %(error)s") % {"error": exc}) from exc
    migrated = _migrate()
    reports, problems = _reports_verify()
    return Restored(
        manifest=manifest,
        media_files=len(photos),
        migrated=migrated,
        reports_checked=reports,
        cases_checked=Case.objects.count(),
        problems=problems + case_log_verify(),
    )


def _output_path(output: Path | None) -> Path:
    if output is None:
        folder = Path(settings.BACKUP_DIR)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / f"casework-{timezone.now():%Y%m%dT%H%M%SZ}.tar.gz"
    path = Path(output).expanduser().absolute()
    if path.exists():
        raise BackupRefused(_("%(path)s already exists; a backup never overwrites a file.")
                            % {"path": path})
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK | os.X_OK):
        raise BackupRefused(_("Cannot write %(path)s: %(folder)s is not a folder this user may "
                              "write to.") % {"path": path, "folder": path.parent})
    return path


def _manifest() -> dict:
    return {
        "format": FORMAT,
        "product": "casework",
        "created_at": timezone.now().isoformat(),
        "django": django.get_version(),
        "database": {"vendor": connection.vendor, "member": DATABASE_MEMBERS[connection.vendor]},
        "migrations": sorted(f"{app}.{name}" for app, name in _applied_migrations()),
    }


def _applied_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(connection).applied_migrations)


def _media_files() -> dict[str, Path]:
    """MEDIA_ROOT's regular files by archive name. Links are left out: what they point to is
    not ours to copy."""
    root = Path(settings.MEDIA_ROOT)
    files = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                files[f"{MEDIA}/{path.relative_to(root).as_posix()}"] = path
    return dict(sorted(files.items()))


def _refuse_another_vendor(manifest: dict) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupRefused(
            _("The archive holds a %(archive)s database; this installation uses %(here)s. "
              "Restore it into the same kind of database.")
            % {"archive": vendor, "here": connection.vendor}
        )


def _refuse_a_newer_schema(manifest: dict) -> None:
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        raise BackupRefused(
            _("The archive comes from a newer Casework (migrations unknown here: %(names)s). "
              "Restore it with that version or a later one.") % {"names": ", ".join(unknown)}
        )


def _refuse_a_target_in_use() -> None:
    tables = database_tables(connection)
    if tables:
        raise BackupRefused(
            _("The database %(name)s already holds %(count)d tables. Restore into an empty "
              "database, or add --force to replace everything in it.")
            % {"name": connection.settings_dict["NAME"], "count": len(tables)}
        )
    root = Path(settings.MEDIA_ROOT)
    if root.exists() and any(root.iterdir()):
        raise BackupRefused(
            _("The media folder %(root)s is not empty. Restore into an empty one, or add --force "
              "to write over the files it holds.") % {"root": root}
        )


def _media_targets(manifest: dict) -> dict[str, Path]:
    """Archive name → where the photo goes. A forced restore writes into a folder that
    exists: never through a link planted in it."""
    root = Path(settings.MEDIA_ROOT).absolute()
    targets = {
        name: root / name.removeprefix(f"{MEDIA}/")
        for name in manifest["members"]
        if name.startswith(f"{MEDIA}/")
    }
    for target in targets.values():
        if target.is_symlink() or not target.resolve().is_relative_to(root.resolve()):
            raise BackupRefused(_("%(path)s leads outside the media folder; refused.")
                                % {"path": target})
    return targets


def _media_restore(scratch: Path, targets: dict[str, Path]) -> None:
    for name, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / name, target)
        if settings.FILE_UPLOAD_PERMISSIONS is not None:
            target.chmod(settings.FILE_UPLOAD_PERMISSIONS)


def _migrate() -> bool:
    """An archive from an older version gets this version's migrations, as a start would."""
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=0)
    return True


def _reports_verify() -> tuple[int, list[str]]:
    periods = list(EvaluationReport.objects.order_by("period").values_list("period", flat=True))
    problems = [
        f"{period} {difference}" for period in periods for difference in evaluation_verify(period=period)
    ]
    return len(periods), problems
