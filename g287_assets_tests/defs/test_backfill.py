"""`g287 backfill` against an imitation of the Wayback Machine on 127.0.0.1, built from the archive's real files.

The imitation answers CDX queries and serves `id_` captures: ICE's page in its table era (rendered from the
archive's web-page-era files), the undated and dated spreadsheet URLs, a later capture of the same bytes,
a 404, a slow reply, a redirect to another host and an HTML error page saved under a spreadsheet's name.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from g287_assets.cli import backfill
from g287_assets.lib.snapshots.registry import load_imports
from g287_assets_tests.lib.test_wayback import html_era_rows, ice_page_html
from g287_assets_tests.loopback import loopback_server

FOLDER = "https://www.ice.gov/doclib/about/offices/ero/287g/"
DOWNLOADS = "https://www.ice.gov/file-download/download/public/"
PAGE = "https://www.ice.gov/identify-and-arrest/287g"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SLOW_SECONDS = 1.5


@dataclass
class ArchivedCapture:
    """One capture of the imitation: what the CDX lists, and what `id_` serves."""

    timestamp: str
    original: str
    body: bytes
    mimetype: str
    status: int = 200
    slow_first: bool = False
    redirect: str | None = None

    @property
    def digest(self) -> str:
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode()

    @property
    def path(self) -> str:
        return f"/web/{self.timestamp}id_/{self.original}"


class FakeWayback:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.captures: list[ArchivedCapture] = []
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def cdx_rows(self, query: dict[str, list[str]]) -> list[list[str]]:
        """The listed captures matching a query's url, matchType, from and to (inclusive days)."""
        wanted = query["url"][0]
        prefix = query.get("matchType") == ["prefix"]
        first = query.get("from", ["0"])[0]
        last = query.get("to", ["99999999"])[0]
        rows = [["timestamp", "original", "statuscode", "mimetype", "digest", "length"]]
        for item in self.captures:
            bare = item.original.split("://", 1)[1]
            if (bare.startswith(wanted) if prefix else bare == wanted) and first <= item.timestamp[
                :8
            ] <= last:
                rows.append(
                    [item.timestamp, item.original, "200", item.mimetype, item.digest, str(len(item.body))]
                )
        return rows if len(rows) > 1 else []


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (name fixed by http.server)
        fake: FakeWayback = self.server.fake
        fake.requests.append(self.path)
        parts = urlsplit(self.path)
        if parts.path == "/cdx/search/cdx":
            self.reply(200, json.dumps(fake.cdx_rows(parse_qs(parts.query))).encode(), "application/json")
            return
        found = next((item for item in fake.captures if item.path == self.path), None)
        if found is None or found.status == 404:
            self.reply(404, b"<html><body>Not in archive</body></html>", "text/html")
        elif found.redirect:
            self.send_response(302)
            self.send_header("Location", found.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            if found.slow_first and fake.requests.count(self.path) == 1:
                time.sleep(SLOW_SECONDS)
            self.reply(200, found.body, found.mimetype)

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the slow reply)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
        pass


@pytest.fixture
def fake_wayback():
    with loopback_server(_Handler) as server:
        server.fake = FakeWayback(server)
        yield server.fake


# (mirror file, capture timestamp, the ICE URL it was captured under)
SPREADSHEETS = [
    (
        "participatingAgencies_2025-02-21_wb214937.xlsx",
        "20250221214937",
        FOLDER + "participatingAgencies.xlsx",
    ),
    ("pendingAgencies_2025-02-21_wb214937.xlsx", "20250221214937", FOLDER + "pendingAgencies.xlsx"),
    (
        "participatingAgencies_2025-02-26_wb183301.xlsx",
        "20250226183301",
        FOLDER + "participatingAgencies.xlsx",
    ),
    (
        "participatingAgencies_2025-03-06_am.xlsx",
        "20250309003823",
        FOLDER + "participatingAgencies03062025am.xlsx",
    ),
    ("pendingAgencies_2025-05-15_am.xlsx", "20250515190000", FOLDER + "pendingAgencies05152025am.xlsx"),
    (
        "participatingAgencies_2025-05-16_am.xlsx",
        "20250516170000",
        FOLDER + "participatingAgencies05162025am.xlsx",
    ),
    (
        "participatingAgencies_2025-07-01_pm.xlsx",
        "20250701230000",
        DOWNLOADS + "participatingAgencies07012025pm.xlsx",
    ),
]
PAGES = [
    ("html_era/ParticipatingEntities_html_2025-01-19_wb192356.xlsx", "20250119192356"),
    ("html_era/ParticipatingEntities_html_2025-02-19_wb163339.xlsx", "20250219163339"),
]


def stock_archive(fake: FakeWayback, ice: Path) -> None:
    """The captures of the imitation, with one of each kind of trouble."""
    for name, timestamp, original in SPREADSHEETS:
        slow = name == "participatingAgencies_2025-02-26_wb183301.xlsx"
        fake.captures.append(
            ArchivedCapture(timestamp, original, (ice / name).read_bytes(), XLSX, slow_first=slow)
        )
    for name, timestamp in PAGES:
        page = ice_page_html(html_era_rows(ice / name)).encode()
        fake.captures.append(ArchivedCapture(timestamp, PAGE, page, "text/html"))
    same_bytes = (ice / "participatingAgencies_2025-02-26_wb183301.xlsx").read_bytes()
    error_page = b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>"
    fake.captures += [
        ArchivedCapture("20250227104329", FOLDER + "participatingAgencies.xlsx", same_bytes, XLSX),
        ArchivedCapture(
            "20250314120000", FOLDER + "participatingAgencies03142025pm.xlsx", b"gone", XLSX, 404
        ),
        ArchivedCapture(
            "20250401120000", FOLDER + "participatingAgencies04012025am.xlsx", error_page, "text/html"
        ),
        ArchivedCapture(
            "20250410120000",
            FOLDER + "participatingAgencies04102025am.xlsx",
            b"elsewhere",
            XLSX,
            redirect="http://www.ice.gov/doclib/about/offices/ero/287g/participatingAgencies04102025am.xlsx",
        ),
    ]


def backfill_in_process(argv: list[str]) -> int:
    """`g287 backfill ...` in this process, through the command's own parser."""
    root = argparse.ArgumentParser(prog="g287")
    backfill.register(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(["backfill", *argv])
    return args.run(args)


def start_cli(args: list[str], data_dir: Path, mirror: Path, wayback: str) -> subprocess.Popen:
    """`g287 ...` in a subprocess with its own data dir and Dagster instance."""
    env = {
        **os.environ,
        "G287_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
        "G287_SOURCE_MIRROR": str(mirror),
        "G287_WAYBACK_URL": wayback,
        "NO_PROXY": "127.0.0.1",
    }
    command = [sys.executable, "-m", "g287_assets.cli", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> str:
    """The output of a command that must succeed."""
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, f"{process.args} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    return stdout


def history_rows(database: Path, table: str) -> set[tuple]:
    """A history table's rows without snapshot keys (they hold a hash of the file, and a page converted
    here is not byte-identical to the archive's own conversion of it)."""
    with duckdb.connect(str(database), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'history' AND table_name = ? "
                "ORDER BY column_index",
                [table],
            ).fetchall()
            if not name.endswith("snapshot_key")
        ]
        quoted = ", ".join(f'"{name}"' for name in columns)
        return set(con.execute(f"SELECT {quoted} FROM history.{table}").fetchall())


WAYBACK_OPTIONS = ["--delay", "0", "--timeout", "0.5", "--retries", "2", "--backoff", "0.05"]


def test_a_wayback_backfill_builds_the_same_history_as_importing_the_files(
    source_mirror: Path, fake_wayback: FakeWayback, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    ice = source_mirror / "ice"
    stock_archive(fake_wayback, ice)
    direct_files = tmp_path / "direct_files"
    direct_files.mkdir()
    for name in [name for name, _, _ in SPREADSHEETS] + [name for name, _ in PAGES]:
        shutil.copy(ice / name, direct_files / Path(name).name)
    direct, backfilled = tmp_path / "direct", tmp_path / "backfilled"

    direct_build = start_cli(["build", "--from", str(direct_files)], direct, source_mirror, fake_wayback.url)
    backfill_build = start_cli(
        ["backfill", "--wayback", *WAYBACK_OPTIONS, "--build"], backfilled, source_mirror, fake_wayback.url
    )
    finished(direct_build)
    first = finished(backfill_build)

    assert "13 captures listed" in first
    assert "12 new contents to fetch" in first  # the later capture of the same bytes is left out
    for table in ("agreements", "cancellations"):
        expected = history_rows(direct / "g287.duckdb", table)
        assert history_rows(backfilled / "g287.duckdb", table) == expected
    assert len(history_rows(direct / "g287.duckdb", "agreements")) > 500

    slow = next(c for c in fake_wayback.captures if c.slow_first)
    duplicate = next(c for c in fake_wayback.captures if c.timestamp == "20250227104329")
    assert fake_wayback.requests.count(slow.path) == 2  # timed out once, then retried
    assert duplicate.path not in fake_wayback.requests
    imports = load_imports(backfilled / "archive")
    rejected = {r.file_name: r.reason for r in imports if r.outcome == "rejected"}
    assert rejected == {
        "participatingAgencies04012025am-20250401120000.xlsx": "not an xlsx workbook (content looks like html)"
    }
    assert sum(r.outcome == "snapshot" for r in imports) == len(SPREADSHEETS) + len(PAGES)
    sidecar = next(r.sidecar for r in imports if r.file_name == "participatingAgencies-20250221214937.xlsx")
    assert sidecar["original_url"] == FOLDER + "participatingAgencies.xlsx"
    assert sidecar["capture_timestamp"] == "20250221214937"
    assert sidecar["sha256"] == hashlib.sha256((ice / SPREADSHEETS[0][0]).read_bytes()).hexdigest()
    state = json.loads((backfilled / "backfill" / "wayback-state.json").read_text())["captures"]
    outcomes = {entry["timestamp"]: entry["outcome"] for entry in state}
    assert outcomes["20250314120000"] == "unavailable" and outcomes["20250410120000"] == "unavailable"

    fake_wayback.requests.clear()
    monkeypatch.setenv("G287_DATA_DIR", str(backfilled))
    monkeypatch.setenv("G287_WAYBACK_URL", fake_wayback.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    capsys.readouterr()
    assert backfill_in_process(["--wayback", *WAYBACK_OPTIONS]) == 0
    second = capsys.readouterr().out
    assert "0 new contents to fetch" in second
    assert [path for path in fake_wayback.requests if path.startswith("/web/")] == []
    assert "0 new snapshots, 0 duplicates" in second and "run `g287 build`" in second


def test_backfill_from_a_folder_reports_new_duplicate_and_rejected_files(
    source_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    folder = tmp_path / "other_archive"
    folder.mkdir()
    original = source_mirror / "ice" / "participatingAgencies_2025-03-07_am.xlsx"
    shutil.copy(original, folder / "participatingAgencies03072025am.xlsx")
    shutil.copy(original, folder / "participatingAgencies-20250309031339.xlsx")
    (folder / "participatingAgencies03082025am.xlsx").write_text("<html><body>Access denied</body></html>")
    monkeypatch.setenv("G287_DATA_DIR", str(tmp_path / "data"))

    assert backfill_in_process(["--from", str(folder)]) == 0
    report = capsys.readouterr().out
    assert "3 files; 1 new snapshots, 1 duplicates (same bytes as a known snapshot), 1 rejected" in report
    assert "new       participatingAgencies-20250309031339.xlsx -> 2025-03-09_wb031339_" in report
    assert "duplicate participatingAgencies03072025am.xlsx = 2025-03-09_wb031339_" in report
    assert (
        "rejected  participatingAgencies03082025am.xlsx: not an xlsx workbook (content looks like html)"
        in report
    )

    assert backfill_in_process(["--from", str(folder)]) == 0
    assert (
        "0 new snapshots, 0 duplicates (same bytes as a known snapshot), 0 rejected, 3 already registered"
        in (capsys.readouterr().out)
    )
