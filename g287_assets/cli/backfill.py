"""`g287 backfill`: history from before g287's first run, from the Wayback Machine or another archive's folder.

Both sources end in the same registration as the inbox (`lib/registry`): the same archive, quality gates
and report of new snapshots, duplicates and rejections. The Wayback backfill is polite (one request at a
time, spaced by `--delay`, bounded retries with backoff) and resumable: a state file under the data dir
records every capture it has dealt with, so a re-run fetches only what it has not seen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import requests

from g287_assets.cli import add_folders_argument
from g287_assets.lib.files import write_atomically
from g287_assets.lib.settings import Paths, paths_from_env
from g287_assets.lib.snapshots.registry import (
    ImportRecord,
    archived_path,
    candidate_files,
    load_imports,
    register_paths,
)
from g287_assets.lib.sources.download import (
    PAGE_MAX_BYTES,
    DownloadError,
    FetchedFile,
    fetch_bytes,
    free_path_for,
    host_of,
    page_text,
    sidecar_path,
)
from g287_assets.lib.sources.wayback import (
    PAGE,
    XLSX_MEDIA_TYPE,
    Capture,
    CaptureOutcome,
    agreement_rows,
    backfill_file_name,
    capture_url,
    cdx_queries,
    cdx_request_url,
    load_state,
    parse_cdx_json,
    save_state,
    select_captures,
    table_xlsx,
    wayback_base_url,
    wayback_digest,
)

SPREADSHEET_MAX_BYTES = 20_000_000
CDX_MAX_BYTES = 20_000_000

Fetch = Callable[[str, int, str], FetchedFile]


@dataclass(frozen=True)
class Pacing:
    """How politely to ask: seconds between requests, per-read timeout, retries and their first backoff."""

    delay: float
    timeout: float
    retries: int
    backoff: float


def wayback_folder(paths: Paths) -> Path:
    """Where Wayback copies are saved before registration; they stay there as the backfill's evidence."""
    return paths.data_dir / "backfill" / "wayback"


def state_file(paths: Paths) -> Path:
    return paths.data_dir / "backfill" / "wayback-state.json"


def paced_fetcher(base_url: str, pacing: Pacing, session: requests.Session) -> Fetch:
    """A fetch limited to the archive's host that waits until `pacing.delay` has passed since the last one."""
    allowed = (host_of(base_url),)
    last_request = [float("-inf")]

    def fetch(url: str, max_bytes: int, accept: str) -> FetchedFile:
        time.sleep(max(0.0, last_request[0] + pacing.delay - time.monotonic()))
        try:
            return fetch_bytes(
                url,
                allowed_hosts=allowed,
                max_bytes=max_bytes,
                timeout=pacing.timeout,
                retries=pacing.retries,
                backoff=pacing.backoff,
                session=session,
                accept=accept,
            )
        finally:
            last_request[0] = time.monotonic()

    return fetch


def list_captures(base_url: str, since: date | None, fetch: Fetch) -> list[Capture]:
    """Every capture the CDX API lists for ICE's page and spreadsheet folders, following resume keys."""
    captures: list[Capture] = []
    for query in cdx_queries():
        resume_key = None
        while True:
            url = cdx_request_url(base_url, query, since, resume_key)
            answer = fetch(url, CDX_MAX_BYTES, "application/json")
            found, resume_key = parse_cdx_json(answer.body.decode("utf-8"), query.kind)
            captures += found
            if not resume_key:
                break
    return captures


def archived_digests(archive: Path) -> set[str]:
    """The archive's contents as Wayback digests, so a capture of bytes already held is never fetched."""
    digests = set()
    for sha256 in {record.sha256 for record in load_imports(archive) if record.outcome == "snapshot"}:
        path = archived_path(archive, sha256)
        if path.is_file():
            digests.add(wayback_digest(path.read_bytes()))
    return digests


def is_final(error: DownloadError) -> bool:
    """True when asking again would get the same answer (a 4xx reply, a refused size or host).

    `fetch_bytes` chains the last network error (timeout, 5xx) to the error it raises once its retries
    run out; an error without a cause is the server's or the limits' final word.
    """
    return error.__cause__ is None


def capture_sidecar(capture: Capture, fetched: FetchedFile, file_name: str, body: bytes) -> dict[str, object]:
    """Provenance of a saved capture (`body` is what was saved: the capture, or the page's table as xlsx).

    `fetched_at` is the capture time, not the download time: g287 reads it as the moment the bytes were
    known to be published, and for an archived copy that moment is when the archive captured them.
    """
    return {
        "file_name": file_name,
        "url": fetched.url,
        "final_url": fetched.final_url,
        "status": fetched.status,
        "original_url": capture.original,
        "capture_timestamp": capture.timestamp,
        "wayback_digest": capture.digest,
        "fetched_at": capture.captured_at.isoformat(),
        "downloaded_at": fetched.fetched_at.isoformat(),
        "sha256": hashlib.sha256(body).hexdigest(),
        "size": len(body),
        "source_sha256": fetched.sha256,
    }


def save_capture(capture: Capture, fetched: FetchedFile, body: bytes, folder: Path) -> CaptureOutcome:
    """Write the sidecar, then the file (so whoever sees the file can read where it came from)."""
    sha256 = hashlib.sha256(body).hexdigest()
    path = free_path_for(folder, backfill_file_name(capture), sha256)
    sidecar = capture_sidecar(capture, fetched, path.name, body)
    write_atomically(
        sidecar_path(path), (json.dumps(sidecar, indent=2, sort_keys=True) + "\n").encode("utf-8")
    )
    write_atomically(path, body)
    return CaptureOutcome(capture.timestamp, capture.original, capture.digest, "saved", path.name, sha256)


def keep_capture(
    capture: Capture, fetched: FetchedFile, folder: Path, known_sha256: set[str]
) -> CaptureOutcome:
    """Save a spreadsheet capture as it is (the registry judges it, as it judges the inbox), or turn a page
    capture's table into an xlsx; a spreadsheet whose bytes are already archived is not saved again."""
    if capture.kind == PAGE:
        rows = agreement_rows(page_text(fetched), capture.original)
        if rows is None:
            return CaptureOutcome(capture.timestamp, capture.original, capture.digest, "no table")
        return save_capture(capture, fetched, table_xlsx(rows), folder)
    if fetched.sha256 in known_sha256:
        reason = "same bytes (sha256) as a file already in the archive"
        return CaptureOutcome(
            capture.timestamp, capture.original, capture.digest, "known", None, fetched.sha256, reason
        )
    return save_capture(capture, fetched, fetched.body, folder)


def fetch_capture(capture: Capture, base_url: str, fetch: Fetch) -> FetchedFile:
    if capture.kind == PAGE:
        return fetch(capture_url(base_url, capture), PAGE_MAX_BYTES, "text/html")
    return fetch(capture_url(base_url, capture), SPREADSHEET_MAX_BYTES, XLSX_MEDIA_TYPE)


def download_captures(
    captures: list[Capture], base_url: str, fetch: Fetch, paths: Paths
) -> list[tuple[Capture, DownloadError]]:
    """Fetch and keep each capture, saving the state after each one; returns the failures worth retrying.

    A final refusal (404, too large) is recorded, so a re-run does not ask again; a timeout or a server
    error that outlasted the retries is not, so the next run tries it again.
    """
    folder = wayback_folder(paths)
    folder.mkdir(parents=True, exist_ok=True)
    state = load_state(state_file(paths))
    known_sha256 = {record.sha256 for record in load_imports(paths.archive)}
    failures = []
    for capture in captures:
        try:
            outcome = keep_capture(capture, fetch_capture(capture, base_url, fetch), folder, known_sha256)
        except DownloadError as error:
            if not is_final(error):
                failures.append((capture, error))
                print(f"  failed  {capture.timestamp} {capture.original}: {error} (retried next run)")
                continue
            outcome = CaptureOutcome(
                capture.timestamp, capture.original, capture.digest, "unavailable", reason=str(error)
            )
        state[capture.digest] = outcome
        save_state(state_file(paths), state)
        print(
            f"  {outcome.outcome:<11} {capture.timestamp} {capture.original}: {outcome.file_name or outcome.reason or ''}"
        )
    return failures


def backfill_wayback(paths: Paths, since: date | None, pacing: Pacing) -> int:
    """List the archive's captures, fetch the new ones, then register the backfill folder."""
    base_url = wayback_base_url()
    known = set(load_state(state_file(paths))) | archived_digests(paths.archive)
    with requests.Session() as session:
        fetch = paced_fetcher(base_url, pacing, session)
        try:
            captures = list_captures(base_url, since, fetch)
        except DownloadError as error:
            print(f"g287 backfill: cannot list the captures at {base_url}: {error}", file=sys.stderr)
            return 1
        selected = select_captures(captures, since, known)
        print(
            f"wayback: {len(captures)} captures listed at {base_url}; {len(selected)} new contents to fetch"
        )
        failures = download_captures(selected, base_url, fetch, paths)
    folder = wayback_folder(paths)
    folder.mkdir(parents=True, exist_ok=True)
    register_and_report(folder, paths)
    if failures:
        print(f"{len(failures)} captures could not be fetched now; run the backfill again to retry them")
    return 1 if failures else 0


def register_and_report(folder: Path, paths: Paths) -> list[ImportRecord]:
    """Register every file of a folder and print what was new, what was a duplicate, and what was rejected."""
    files = list(candidate_files(folder))
    records = register_paths(files, paths.archive)
    print_report(folder, records, len(files))
    return records


def print_report(folder: Path, records: list[ImportRecord], offered: int) -> None:
    counts = {
        outcome: sum(r.outcome == outcome for r in records) for outcome in ("snapshot", "alias", "rejected")
    }
    print(
        f"{folder}: {offered} files; {counts['snapshot']} new snapshots, {counts['alias']} duplicates "
        f"(same bytes as a known snapshot), {counts['rejected']} rejected, "
        f"{offered - len(records)} already registered"
    )
    for record in records:
        if record.outcome == "snapshot":
            print(f"  new       {record.file_name} -> {record.snapshot_key}")
        elif record.outcome == "alias":
            print(f"  duplicate {record.file_name} = {record.snapshot_key}")
        else:
            print(f"  rejected  {record.file_name}: {record.reason}")


def backfill(args: argparse.Namespace) -> int:
    if not args.wayback and not args.sources:
        print("g287 backfill: say where from: --wayback and/or --from DIR", file=sys.stderr)
        return 2
    missing = [source for source in args.sources if not source.is_dir()]
    if missing:
        print(f"g287 backfill: --from {missing[0]}: no such folder", file=sys.stderr)
        return 2
    paths = paths_from_env()
    status = 0
    for source in args.sources:
        register_and_report(source, paths)
    if args.wayback:
        pacing = Pacing(args.delay, args.timeout, args.retries, args.backoff)
        status = backfill_wayback(paths, args.since, pacing)
    if not args.build:
        print("run `g287 build` to rebuild the history with these snapshots")
        return status
    from g287_assets.cli.build import build

    return build([]) or status


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "backfill",
        help="add history from before the first run: Wayback Machine captures or another archive's folder",
    )
    parser.add_argument(
        "--wayback",
        action="store_true",
        help="fetch every capture of ICE's 287(g) page and lists from the Wayback Machine (G287_WAYBACK_URL)",
    )
    add_folders_argument(parser, "register every file below DIR (recursively); may be repeated")
    parser.add_argument(
        "--since", type=date.fromisoformat, metavar="DATE", help="only captures on or after DATE (YYYY-MM-DD)"
    )
    parser.add_argument("--build", action="store_true", help="run `g287 build` afterwards")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between requests (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for each read (default 30)"
    )
    parser.add_argument(
        "--retries", type=int, default=3, help="retries after a timeout or server error (default 3)"
    )
    parser.add_argument(
        "--backoff", type=float, default=2.0, help="seconds before the first retry, doubling (default 2)"
    )
    parser.set_defaults(run=backfill)
