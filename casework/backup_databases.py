"""The database half of a backup (docs/operations.md#backups): SQLite's online backup API for
the embedded default, pg_dump and pg_restore for PostgreSQL.

The password reaches pg_dump and pg_restore in their environment (as Django's dbshell passes
it), never on a command line other users of the machine can list.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .backup_archive import DATABASE_MEMBERS, BackupRefused

VENDORS = set(DATABASE_MEMBERS)


def database_vendor_check(connection) -> None:
    if connection.vendor not in VENDORS:
        raise BackupRefused(_("Backups cover SQLite and PostgreSQL, not %(vendor)s.")
                            % {"vendor": connection.vendor})


def database_dump(*, connection, into: Path) -> Path:
    """A consistent copy of the whole database as it stands, written under `into`."""
    database_vendor_check(connection)
    target = into / DATABASE_MEMBERS[connection.vendor]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(target)) as copy:
            # In one step: SQLite copies one snapshot while the app writes on (in WAL mode
            # readers and the writer pass each other); in several it would start over.
            connection.connection.backup(copy)
    else:
        _run(connection, "pg_dump", "--format=custom", f"--file={target}",
             *_connection_args(connection, database_flag=False))
    return target


def database_load(*, connection, dump: Path) -> None:
    """Load a dump of the same vendor into the (empty) database."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(dump)) as source:
            source.backup(connection.connection)
    else:
        # One transaction: a dump that fails half-way leaves the database as empty as it was.
        # Owners and grants belong to the old server; the tables go to the configured user.
        _run(connection, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", *_connection_args(connection, database_flag=True), str(dump))
    connection.close()


def database_tables(connection) -> list[str]:
    return connection.introspection.table_names()


def database_clear(connection) -> None:
    """Drop every table, for a forced restore over a database that has some. (SQLite needs
    none of this: its backup API replaces the whole file.)"""
    tables = database_tables(connection)
    if connection.vendor == "postgresql" and tables:
        quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")


def _connection_args(connection, *, database_flag: bool) -> list[str]:
    params = connection.settings_dict
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            args.append(f"{flag}={params[key]}")
    if params.get("NAME"):
        args.append(f"--dbname={params['NAME']}" if database_flag else params["NAME"])
    return args


def _run(connection, tool: str, *args: str) -> None:
    program = shutil.which(tool, path=settings.BACKUP_PG_BIN_DIR or None)
    if program is None:
        raise BackupRefused(
            _("%(tool)s was not found. Install PostgreSQL's client programs (the server's major "
              "version or newer), or set BACKUP_PG_BIN_DIR to the folder that holds them.")
            % {"tool": tool}
        )
    # Django's dbshell environment: PGPASSWORD, PGSSLMODE, PGSERVICE … from the settings.
    _args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    result = subprocess.run(
        [program, *args], env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode:
        raise BackupRefused(_("%(tool)s failed: %(error)s")
                            % {"tool": tool, "error": result.stderr.strip()})

