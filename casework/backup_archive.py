"""The backup archive (docs/operations.md#backups): a gzipped tar whose first member,
manifest.json, names every other member with its size and SHA-256.

Reading trusts nothing in the file. Each member must be a regular file under a plain relative
name the manifest lists (no absolute path, no `..`, no link, device or folder entry), and its
bytes must match their sum before anything is restored. Members are streamed into a scratch
folder we made rather than extracted by tarfile, so no tar feature (links, owners, modes)
takes effect. The sums catch a damaged or altered copy, not a forger who rewrites the
manifest too: keep archives where only operators can write.
"""

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import time
import zlib
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from .errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
MEDIA = "media"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupRefused(DomainError):
    code = "backup_refused"


def archive_write(*, path: Path, manifest: dict, members: dict[str, Path]) -> None:
    """Write `members` (archive name → file) with `manifest` plus their sums, readable by the
    owner only. Built under a temporary name and linked into place, so a half-written archive
    never carries the final name and an existing file is never overwritten."""
    sums = {}
    for name, file in members.items():
        member_name_check(name)
        with open(file, "rb") as stream:
            sums[name] = {"sha256": hashlib.file_digest(stream, "sha256").hexdigest(),
                          "size": os.fstat(stream.fileno()).st_size}
    body = json.dumps({**manifest, "members": sums}, ensure_ascii=False, indent=2).encode()
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                _add(tar, MANIFEST, len(body), io.BytesIO(body))
                for name, file in members.items():
                    with open(file, "rb") as stream:
                        _add(tar, name, sums[name]["size"], stream)
            raw.flush()
            os.fsync(raw.fileno())
        os.link(partial, path)
    finally:
        os.unlink(partial)


def archive_read(*, path: Path, into: Path) -> dict:
    """Check the archive at `path` and copy its members under `into`; return its manifest.
    Raises BackupRefused, leaving only files under `into`, at the first thing wrong."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            manifest = _manifest_read(tar)
            _members_copy(tar, manifest["members"], into)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise BackupRefused(
            _("%(path)s is not a readable backup archive: %(error)s") % {"path": path, "error": exc}
        ) from exc
    return manifest


def member_name_check(name: str) -> str:
    """The name itself, if it is one an archive may hold: manifest.json, a database dump, or a
    file under media/ named by plain relative parts."""
    parts = PurePosixPath(name).parts
    plain = (
        bool(parts)
        and "/".join(parts) == name  # no leading "/", "./", "//" or trailing "/"
        and not any(part in {"", ".", ".."} for part in parts)
        and "\0" not in name
    )
    allowed = name == MANIFEST or name in DATABASE_MEMBERS.values() or (
        len(parts) > 1 and parts[0] == MEDIA
    )
    if not (plain and allowed):
        raise BackupRefused(_("The archive holds a member named %(name)r, which no Casework "
                              "backup has; refused.") % {"name": name})
    return name


def _add(tar: tarfile.TarFile, name: str, size: int, stream) -> None:
    # The owners and modes of the files here mean nothing on the machine that restores.
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, time.time()
    tar.addfile(info, stream)


def _refused(message: str, **values) -> BackupRefused:
    return BackupRefused(message % values)


def _manifest_read(tar: tarfile.TarFile) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isreg():
        raise _refused(_("The archive does not start with %(manifest)s; refused."), manifest=MANIFEST)
    if first.size > MANIFEST_MAX_BYTES:
        raise _refused(_("The archive's manifest is implausibly large; refused."))
    try:
        manifest = json.loads(tar.extractfile(first).read())
    except ValueError as exc:
        raise _refused(_("The archive's manifest is not JSON: %(error)s"), error=exc) from exc
    _manifest_check(manifest)
    return manifest


def _manifest_check(manifest) -> None:
    if not (isinstance(manifest, dict) and _manifest_complete(manifest)):
        raise _refused(_("The archive's manifest is not that of a Casework backup "
                         "(format %(format)s); refused."), format=FORMAT)
    for name in manifest["members"]:
        member_name_check(name)


def _manifest_complete(manifest: dict) -> bool:
    database, members = manifest.get("database"), manifest.get("members")
    return (
        manifest.get("format") == FORMAT
        and manifest.get("product") == "casework"
        and isinstance(manifest.get("migrations"), list)
        and isinstance(database, dict)
        and isinstance(members, dict)
        and isinstance(database.get("vendor"), str)
        and DATABASE_MEMBERS.get(database.get("vendor")) == database.get("member")
        and database.get("member") in members
        and all(_sums_complete(sums) for sums in members.values())
    )


def _sums_complete(sums) -> bool:
    return (
        isinstance(sums, dict)
        and isinstance(sums.get("sha256"), str)
        and SHA256.fullmatch(sums["sha256"]) is not None
        and isinstance(sums.get("size"), int)
        and sums["size"] >= 0
    )


def _members_copy(tar: tarfile.TarFile, expected: dict, into: Path) -> None:
    seen = set()
    for member in iter(tar.next, None):
        name = member_name_check(member.name)
        if not member.isreg():
            raise _refused(_("The archive member %(name)s is a link or special file; refused."),
                           name=name)
        if name not in expected or name == MANIFEST:
            raise _refused(_("The archive member %(name)s is not in its manifest; refused."),
                           name=name)
        if name in seen:
            raise _refused(_("The archive holds %(name)s twice; refused."), name=name)
        seen.add(name)
        if member.size != expected[name]["size"]:
            raise _refused(_("%(name)s does not have the size its manifest gives; refused."),
                           name=name)
        if _copy(tar.extractfile(member), into / name) != expected[name]["sha256"]:
            raise _refused(_("%(name)s does not match its checksum: the archive is damaged or "
                             "was altered; refused."), name=name)
    missing = sorted(expected.keys() - seen)
    if missing:
        raise _refused(_("The archive lacks %(names)s, which its manifest lists; refused."),
                       names=", ".join(missing))


def _copy(source, target: Path) -> str:
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()
