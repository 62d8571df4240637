"""Backups through their doors (docs/operations.md#backups): `manage.py backup` writes one
owner-only archive; `manage.py restore`, run as an operator would in a fresh process, brings
it back into an empty database and media folder and proves it with verify_evaluation and the
case log's replay. Altered, hostile or misplaced archives are refused with nothing changed."""

import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

import dj_database_url
import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import translation

from casework.models import Case, CaseEvent, EvaluationReport, PublicIntake
from casework.services.evaluation_run import evaluation_run
from tests.conftest import on_postgresql
from tests.factories import case_file, case_move
from tests.open311.conftest import doors_prepare, png_bytes
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PHOTO = png_bytes(size=(16, 12), color=(20, 120, 200))


# ---------------------------------------------------------------- the installation backed up


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def office(demo, settings, tmp_path):
    """A street office's month: cases rated, closed and reopened by November's frozen report,
    cases at every stage since, a consultation, and a resident's photo."""
    doors_prepare(settings, tmp_path)  # MEDIA_ROOT under tmp_path
    gridworker = demo.user("gridworker")
    rate = (gridworker, "rate", {"satisfaction": "dissatisfied", "comment": "没修好", "channel": "phone"})
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        for state in ("evaluating_rated", "evaluating_rated", "handling"):
            case_move(case_file(gridworker), *demo.steps_to(state))
        case_move(case_file(gridworker), *demo.steps_to("evaluating"), rate)
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        evaluation_run(period="2026-11")
    for state in ("collected", "handling_suspended", "evaluating", "closed", "rejected", "consultation"):
        case_move(case_file(gridworker), *demo.steps_to(state))
    response = Client().post("/report/", {
        "category": "env-garbage", "description": "3号楼东侧垃圾桶两天没有清运，气味很大。",
        "address": "和平里3号楼东侧", "photo": _upload(),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    return demo


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("IMG_0001.png", PHOTO, content_type="image/png")


def command(*argv: str) -> str:
    """A command run in this process, in English (the restore run in a separate process
    below answers in the product's first language, as an operator sees it)."""
    out = io.StringIO()
    with translation.override("en"):
        call_command(*argv, stdout=out)
    return out.getvalue()


def backup(path: Path) -> Path:
    command("backup", "--output", str(path))
    return path


def dumped() -> str:
    """Every row of ours, as dumpdata writes them."""
    out = io.StringIO()
    call_command("dumpdata", "casework", "auth.user", "--indent", "1", stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------- an empty installation


@pytest.fixture
def empty_installation(tmp_path):
    """The environment of a fresh installation: an empty database of this run's vendor (for
    PostgreSQL one we create, named after DATABASE_URL's database) and no media folder."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CASEWORK_VAR_DIR": str(tmp_path / "restored-var"),
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
    }
    if not on_postgresql():
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        yield env
        return
    parsed = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"{parsed['NAME']}_restore_{os.getpid()}"
    env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield env
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )


# ---------------------------------------------------------------- backup, then restore


def test_a_backup_restores_into_an_empty_installation_and_proves_itself(office, tmp_path, empty_installation):
    archive = backup(tmp_path / "office.tar.gz")
    photo = PublicIntake.objects.get().photo.name
    before = dumped()

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    media = Path(empty_installation["MEDIA_ROOT"])
    media.mkdir()
    (media / "left-over.png").write_bytes(b"x")
    refused = manage(empty_installation, "restore", "--yes", str(archive))
    assert refused.returncode == 1 and "不是空的" in refused.stderr
    (media / "left-over.png").unlink()

    restored = manage(empty_installation, "restore", "--yes", str(archive))

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "1 media file(s)" in restored.stdout
    cases = Case.objects.count()
    assert f"1 frozen evaluation report(s) and {cases} case(s): all agree" in restored.stdout
    verified = manage(empty_installation, "verify_evaluation", "--period", "2026-11")
    assert verified.returncode == 0 and "agrees" in verified.stdout, verified.stderr
    assert (media / photo).read_bytes() == PHOTO
    after = manage(empty_installation, "dumpdata", "casework", "auth.user", "--indent", "1")
    assert after.stdout == before


def test_a_restore_that_disagrees_with_the_log_fails(office, tmp_path, empty_installation):
    report = EvaluationReport.objects.get()
    EvaluationReport.objects.filter(pk=report.pk).update(
        figures={**report.figures, "totals": {**report.figures["totals"], "rated": 99}}
    )
    case = Case.objects.filter(state="closed").first()
    Case.objects.filter(pk=case.pk).update(state="handling")
    archive = backup(tmp_path / "office.tar.gz")
    Case.objects.filter(pk=case.pk).update(state="closed")  # this test's own data replays

    restored = manage(empty_installation, "restore", "--yes", str(archive))

    assert restored.returncode == 1
    assert "2026-11 checksum: the stored report does not match its checksum" in restored.stdout
    assert "totals.rated: frozen 99, recomputed" in restored.stdout
    assert f"{case.reference}: stored {{'state': 'handling'" in restored.stdout
    assert "disagree with the log" in restored.stderr


# ---------------------------------------------------------------- the backup door


def test_backup_goes_to_the_backup_folder_by_default(office, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    out = command("backup")

    (archive,) = settings.BACKUP_DIR.iterdir()
    assert re.fullmatch(r"casework-20261203T0200\d\dZ\.tar\.gz", archive.name)
    assert stat.S_IMODE(settings.BACKUP_DIR.stat().st_mode) == 0o700
    assert str(archive) in out
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = tar.getnames()
    database = "database.pgdump" if on_postgresql() else "database.sqlite3"
    assert manifest["database"] == {"vendor": connection.vendor, "member": database}
    assert "casework.0001_initial" in manifest["migrations"]
    assert manifest["created_at"].startswith("2026-12-03T02:00")
    assert names == ["manifest.json", database, f"media/{PublicIntake.objects.get().photo.name}"]
    assert set(manifest["members"]) == set(names[1:])


def test_backup_never_overwrites_and_explains_where_it_cannot_write(office, tmp_path):
    existing = tmp_path / "existing.tar.gz"
    existing.write_bytes(b"yesterday's backup")
    a_file = tmp_path / "a-file"
    a_file.write_text("")

    with pytest.raises(CommandError, match="already exists"):
        backup(existing)
    with pytest.raises(CommandError, match="not a folder this user may write to"):
        backup(tmp_path / "missing" / "office.tar.gz")
    with pytest.raises(CommandError, match="not a folder this user may write to"):
        backup(a_file / "office.tar.gz")

    assert existing.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "existing.tar.gz", "media"]


@pytest.mark.postgres
def test_backup_names_a_missing_pg_dump(office, settings, tmp_path):
    settings.BACKUP_PG_BIN_DIR = str(tmp_path)  # holds no pg_dump

    with pytest.raises(CommandError, match="pg_dump was not found.*BACKUP_PG_BIN_DIR"):
        backup(tmp_path / "office.tar.gz")

    assert not (tmp_path / "office.tar.gz").exists()


# ---------------------------------------------------------------- refusals


def members_of(archive: Path) -> tuple[dict, dict[str, bytes]]:
    with tarfile.open(archive) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    return json.loads(files.pop("manifest.json")), files


def write_archive(path: Path, manifest: dict, files: dict[str, bytes], extra=()) -> Path:
    """An archive as an attacker would make it: any member, sums fixed up to match."""
    with tarfile.open(path, "w:gz") as tar:
        body = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return path


def listed(manifest: dict, name: str, data: bytes) -> dict:
    sums = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return {**manifest, "members": {**manifest["members"], name: sums}}


def link(name: str, target: str, kind=tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def snapshot() -> tuple:
    media = Path(settings.MEDIA_ROOT)
    return (
        list(Case.objects.order_by("pk").values_list("pk", "state", "version")),
        CaseEvent.objects.count(),
        list(EvaluationReport.objects.values_list("period", "checksum")),
        sorted((p.relative_to(media).as_posix(), p.read_bytes()) for p in media.rglob("*") if p.is_file()),
    )


def hostile(tmp_path: Path, archive: Path, case: str) -> Path:
    manifest, files = members_of(archive)
    database = manifest["database"]["member"]
    photo = next(name for name in files if name.startswith("media/"))
    evil = b"#!/bin/sh\necho owned\n"
    escaped = str(tmp_path / "escaped.sh")
    target = tmp_path / f"{case}.tar.gz"
    if case == "changed byte in the database":
        data = bytearray(files[database])
        data[len(data) // 2] ^= 0x01
        return write_archive(target, manifest, {**files, database: bytes(data)})
    if case == "changed byte in a photo":
        return write_archive(target, manifest, {**files, photo: files[photo][:-1] + b"\0"})
    if case in ("parent path", "absolute path", "media then parent", "dot part", "double slash"):
        name = {"parent path": "../escaped.sh", "absolute path": escaped,
                "media then parent": "media/../../escaped.sh", "dot part": "media/./x.png",
                "double slash": "media//x.png"}[case]  # fmt: skip
        return write_archive(target, listed(manifest, name, evil), {**files, name: evil})
    if case == "symbolic link":
        return write_archive(target, listed(manifest, "media/x.png", b""), files,
                             [link("media/x.png", escaped)])
    if case == "hard link":
        return write_archive(target, listed(manifest, "media/x.png", b""), files,
                             [link("media/x.png", "/etc/passwd", tarfile.LNKTYPE)])
    if case == "member not in the manifest":
        return write_archive(target, manifest, {**files, "media/extra.png": evil})
    if case == "member missing":
        return write_archive(target, manifest, {k: v for k, v in files.items() if k != photo})
    if case == "another vendor":
        other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
        member = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[other]
        data = files.pop(database)
        manifest = listed(manifest, member, data)
        del manifest["members"][database]
        manifest["database"] = {"vendor": other, "member": member}
        return write_archive(target, manifest, {**files, member: data})
    if case == "newer schema":
        manifest["migrations"].append("casework.9999_from_the_future")
        return write_archive(target, manifest, files)
    if case == "truncated":
        target.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        return target
    if case == "not an archive":
        target.write_bytes(os.urandom(4096))
        return target
    raise AssertionError(case)


REFUSALS = {
    "changed byte in the database": "does not match its checksum",
    "changed byte in a photo": "does not match its checksum",
    "parent path": "which no Casework backup has",
    "absolute path": "which no Casework backup has",
    "media then parent": "which no Casework backup has",
    "dot part": "which no Casework backup has",
    "double slash": "which no Casework backup has",
    "symbolic link": "is a link or special file",
    "hard link": "is a link or special file",
    "member not in the manifest": "is not in its manifest",
    "member missing": "lacks media/",
    "another vendor": "Restore it into the same kind of database",
    "newer schema": "newer Casework (migrations unknown here: casework.9999_from_the_future)",
    "truncated": "not a readable backup archive",
    "not an archive": "not a readable backup archive",
}


def test_altered_or_hostile_archives_are_refused_before_anything_changes(office, tmp_path):
    """With --force, so only the archive's own checks stand between it and the database.
    One backup serves every case (each would otherwise seed a street office of its own)."""
    archive = backup(tmp_path / "office.tar.gz")
    before = snapshot()
    places = (tmp_path, Path(tempfile.gettempdir()), ROOT, Path(settings.MEDIA_ROOT).parent)
    said = {}

    for case in REFUSALS:
        try:
            command("restore", "--yes", "--force", str(hostile(tmp_path, archive, case)))
            said[case] = "restored"
        except CommandError as exc:
            said[case] = str(exc)
        assert snapshot() == before, case
        assert not any((place / "escaped.sh").exists() for place in places), case

    assert {case: said[case] for case in REFUSALS if REFUSALS[case] not in said[case]} == {}


def test_a_database_in_use_is_refused(office, tmp_path):
    archive = backup(tmp_path / "office.tar.gz")
    before = snapshot()

    with pytest.raises(CommandError, match="already holds .* tables.*--force"):
        command("restore", "--yes", str(archive))

    assert snapshot() == before


def test_restore_asks_first(office, tmp_path, monkeypatch):
    archive = backup(tmp_path / "office.tar.gz")
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    before = snapshot()

    with pytest.raises(CommandError, match="cancelled"):
        command("restore", str(archive))

    assert snapshot() == before


def test_the_restored_photos_stay_in_the_media_folder_even_when_forced(office, tmp_path, settings):
    """A forced restore writes into a media folder that exists; a link planted in it must not
    carry the photos elsewhere."""
    archive = backup(tmp_path / "office.tar.gz")
    photo = Path(settings.MEDIA_ROOT, PublicIntake.objects.get().photo.name)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(photo.parent)
    photo.parent.symlink_to(outside)

    before = snapshot()

    with pytest.raises(CommandError, match="leads outside the media folder"):
        command("restore", "--yes", "--force", str(archive))

    assert list(outside.iterdir()) == [] and snapshot() == before
