"""Snapshot registration: every distinct file content is archived once and becomes one snapshot.

The archive is append-only and content-addressed (`archive/<sha[:2]>/<sha>.xlsx`); `archive/imports.jsonl`
logs every file ever offered, once per (content, path): a new snapshot, an alias (the same bytes under
another name), or a rejection with its reason. Registration touches only files, never the database, so
the sensor can run it while a build is writing.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from g287_assets.lib.files import file_sha256
from g287_assets.lib.settings import Paths
from g287_assets.lib.snapshots.filenames import parse_file_name
from g287_assets.lib.snapshots.shipped import ShippedHistory, ShippedName
from g287_assets.lib.snapshots.xlsx import SpreadsheetError, list_header
from g287_assets.lib.sources.download import sidecar_path, sniff_file_kind

MANIFEST_NAME = "imports.jsonl"
# Documentation and provenance that travel with ICE files but are not lists.
SKIPPED_SUFFIXES = {".json", ".md", ".txt"}
MAX_FILE_BYTES = 50_000_000


class ArchiveError(RuntimeError):
    """The archive does not hold what its manifest says (a missing or altered file)."""


@dataclass(frozen=True)
class ImportRecord:
    """One file offered for import and what became of it."""

    sha256: str
    file_name: str
    source_path: str
    imported_at: str
    outcome: str  # 'snapshot' | 'alias' | 'rejected'
    snapshot_key: str | None
    reason: str | None
    sidecar: dict | None = None


def archived_path(archive: Path, sha256: str) -> Path:
    return archive / sha256[:2] / f"{sha256}.xlsx"


def load_imports(archive: Path) -> list[ImportRecord]:
    """Every import recorded so far, oldest first.

    Only complete lines count: a line without its newline is an append still being written by another
    process, or cut short by a crash (the next registration removes it and records those files again).
    """
    manifest = archive / MANIFEST_NAME
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as stream:
        return [ImportRecord(**json.loads(line)) for line in stream if line.endswith("\n") and line.strip()]


def known_contents(archive: Path, shipped: ShippedHistory | None) -> set[str]:
    """The sha256 of every content already registered or shipped: a download of one of them is not new."""
    known = {record.sha256 for record in load_imports(archive)}
    return known | {name.sha256 for name in shipped.names} if shipped is not None else known


def snapshot_records(archive: Path) -> dict[str, ImportRecord]:
    """The first record of each snapshot, by snapshot key."""
    return {r.snapshot_key: r for r in load_imports(archive) if r.outcome == "snapshot"}


def read_archived(archive: Path, sha256: str) -> Path:
    """The archived file of a snapshot, verified against its sha256 before anyone reads it."""
    path = archived_path(archive, sha256)
    if not path.is_file():
        raise ArchiveError(f"archive has no file for {sha256} (expected {path})")
    actual = file_sha256(path)
    if actual != sha256:
        raise ArchiveError(f"archived file {path} is damaged: its sha256 is {actual}, not {sha256}")
    return path


def snapshot_key_for(file_name: str, sha256: str) -> str:
    """A readable, stable partition key: the name's date and label, then the content hash prefix."""
    info = parse_file_name(file_name)
    day = info.named_date.isoformat() if info.named_date else "undated"
    return f"{day}_{info.label or 'nolabel'}_{sha256[:8]}"


def candidate_files(folder: Path) -> Iterator[Path]:
    """Files below a folder, recursively, in a stable order; sidecars and documentation are left out."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() not in SKIPPED_SUFFIXES:
            yield path


def rejection_reason(path: Path) -> str | None:
    """Why a file is not an ICE list, or None when it looks like one (content decides, not the name)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"file of {size:,} bytes is larger than any ICE list ({MAX_FILE_BYTES:,} bytes at most)"
    with path.open("rb") as stream:
        head = stream.read(4096)
    kind = sniff_file_kind(head if not head.startswith(b"PK") else path.read_bytes())
    if kind != "xlsx":
        return f"not an xlsx workbook (content looks like {kind})"
    try:
        list_header(path)
    except SpreadsheetError as error:
        return f"not an ICE 287(g) list: {error}"
    return None


def read_sidecar(path: Path) -> dict | None:
    """The downloader's provenance record beside a file, if any."""
    for candidate in (sidecar_path(path), path.with_suffix(".json")):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                return None
    return None


@contextmanager
def _locked(archive: Path) -> Iterator[None]:
    """One registrar at a time (the sensor and a command-line build may run together)."""
    archive.mkdir(parents=True, exist_ok=True)
    with (archive / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _store(path: Path, archive: Path, sha256: str) -> None:
    """Copy into the archive through a temporary name, then verify; an existing copy is never rewritten."""
    target = archived_path(archive, sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    shutil.copyfile(path, temporary)
    if file_sha256(temporary) != sha256:
        temporary.unlink(missing_ok=True)
        raise ArchiveError(f"{path} changed while it was being archived")
    _fsync(temporary)
    temporary.replace(target)


def _fsync(path: Path) -> None:
    """Flush a file to disk, so a crash after its rename cannot leave an archived name with missing bytes."""
    with path.open("rb") as stream:
        os.fsync(stream.fileno())


def register_paths(paths: list[Path], archive: Path) -> list[ImportRecord]:
    """Register files; returns only what is new (a re-import of the same files records nothing)."""
    with _locked(archive):
        previous = load_imports(archive)
        seen = {(r.sha256, r.source_path) for r in previous}
        keys = {r.sha256: r.snapshot_key for r in previous if r.outcome == "snapshot"}
        rejected = {r.sha256: r.reason for r in previous if r.outcome == "rejected"}
        new: list[ImportRecord] = []
        for path in paths:
            source = str(path.resolve())
            sha256 = file_sha256(path)
            if (sha256, source) in seen:
                continue
            seen.add((sha256, source))
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            sidecar = read_sidecar(path)
            if sha256 in keys:
                record = ImportRecord(sha256, path.name, source, now, "alias", keys[sha256], None, sidecar)
            else:
                reason = rejected.get(sha256) or rejection_reason(path)
                if reason:
                    rejected[sha256] = reason
                    record = ImportRecord(sha256, path.name, source, now, "rejected", None, reason, sidecar)
                else:
                    _store(path, archive, sha256)
                    keys[sha256] = snapshot_key_for(path.name, sha256)
                    record = ImportRecord(
                        sha256, path.name, source, now, "snapshot", keys[sha256], None, sidecar
                    )
            new.append(record)
        _append(archive, new)
    return new


def register_shipped(names: list[ShippedName], archive: Path) -> list[ImportRecord]:
    """Register the lists the project ships, by their recorded names and sha256, like files offered.

    Nothing is copied (their rows are read from the shipped folder); a content already registered from an
    xlsx, or from an earlier build, makes each new name an alias, so one content is never two snapshots.
    """
    with _locked(archive):
        previous = load_imports(archive)
        seen = {(r.sha256, r.source_path) for r in previous}
        keys = {r.sha256: r.snapshot_key for r in previous if r.outcome == "snapshot"}
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        new: list[ImportRecord] = []
        for name in names:
            if (name.sha256, name.source_path) in seen:
                continue
            seen.add((name.sha256, name.source_path))
            outcome = "alias" if name.sha256 in keys else "snapshot"
            keys.setdefault(name.sha256, snapshot_key_for(name.file_name, name.sha256))
            new.append(
                ImportRecord(
                    name.sha256,
                    name.file_name,
                    name.source_path,
                    now,
                    outcome,
                    keys[name.sha256],
                    None,
                    name.sidecar,
                )
            )
        _append(archive, new)
    return new


def register_folder(folder: Path, archive: Path) -> list[ImportRecord]:
    """Register every candidate file below a folder."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    return register_paths(list(candidate_files(folder)), archive)


def register_sources(paths: Paths, folders: list[Path], shipped: ShippedHistory | None) -> list[ImportRecord]:
    """What a build or the sensor registers, in this order: the shipped history (when given), the inbox,
    then each folder; returns only what is new."""
    paths.inbox.mkdir(parents=True, exist_ok=True)
    records = register_shipped(shipped.names, paths.archive) if shipped is not None else []
    records += register_folder(paths.inbox, paths.archive)
    for folder in folders:
        records += register_folder(folder, paths.archive)
    return records


def _append(archive: Path, records: list[ImportRecord]) -> None:
    """Append records as whole lines after dropping any torn last line, then flush them to disk."""
    if not records:
        return
    manifest = archive / MANIFEST_NAME
    _drop_torn_tail(manifest)
    lines = "".join(json.dumps(asdict(record), sort_keys=True) + "\n" for record in records)
    with manifest.open("a", encoding="utf-8") as stream:
        stream.write(lines)
        stream.flush()
        os.fsync(stream.fileno())


def _drop_torn_tail(manifest: Path) -> None:
    """Cut a last line left without its newline by a crashed registrar; complete lines are never touched."""
    if not manifest.exists():
        return
    with manifest.open("rb+") as stream:
        size = stream.seek(0, os.SEEK_END)
        if size == 0:
            return
        stream.seek(size - 1)
        if stream.read(1) == b"\n":
            return
        stream.seek(0)
        stream.truncate(stream.read().rfind(b"\n") + 1)
