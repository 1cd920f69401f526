"""Hostile and broken files: each is refused with a clear reason or read safely, fast, and changes nothing stored.

Every file is built by the test itself. The data directory starts with one real ICE list registered and a
database published from it; after each bad file the manifest's earlier lines, the archived files and the
published database must be exactly as they were.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from g287_assets.lib.snapshots.registry import MANIFEST_NAME, register_folder
from g287_assets.lib.snapshots.xlsx import MAX_CELL_CHARS, MAX_ROWS, SpreadsheetError, read_table
from g287_assets.lib.warehouse.database import publish
from g287_assets_tests.reliability.workbook_parts import (
    formula_cell,
    list_rows,
    text_cell,
    write_parts,
    write_zip_bomb,
)
from g287_assets_tests.workbooks import PARTICIPATING_HEADER, agreement, write_workbook

REAL_LIST = "participatingAgencies_2025-03-06_am.xlsx"
# Registration or reading of one bad file must end well within this (seconds).
TIME_BOUND = 5.0
BEXAR = ["TEXAS", "Bexar County Sheriff's Office", "County", "Bexar County", "Task Force Model", "2025-02-01"]


@dataclass(frozen=True)
class StoredState:
    """Everything a bad file must leave untouched: manifest bytes, archived files' hashes, published DB hash."""

    manifest: bytes
    archived: dict[str, str]
    published: str


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_state(data_dir: Path) -> StoredState:
    archive = data_dir / "archive"
    return StoredState(
        manifest=(archive / MANIFEST_NAME).read_bytes(),
        archived={str(p.relative_to(archive)): sha256_of(p) for p in sorted(archive.glob("*/*.xlsx"))},
        published=sha256_of(data_dir / "g287.duckdb"),
    )


def assert_nothing_stored_changed(data_dir: Path, before: StoredState, new_records: int) -> None:
    """Earlier manifest lines intact and only `new_records` appended; old archive files and the DB as they were."""
    after = stored_state(data_dir)
    assert after.manifest.startswith(before.manifest)
    assert after.manifest[len(before.manifest) :].count(b"\n") == new_records
    assert {name: after.archived[name] for name in before.archived} == before.archived
    assert after.published == before.published


@pytest.fixture
def data_dir(source_mirror: Path, tmp_path: Path) -> Path:
    """A data dir with one real list registered and a published database built from a working one."""
    seed = tmp_path / "seed"
    seed.mkdir()
    shutil.copy(source_mirror / "ice" / REAL_LIST, seed / REAL_LIST)
    data = tmp_path / "data"
    register_folder(seed, data / "archive")
    work = data / "work" / "g287.duckdb"
    work.parent.mkdir(parents=True)
    with duckdb.connect(str(work)) as con:
        con.execute("CREATE TABLE published_marker AS SELECT 'before any bad file' AS note")
    publish(work, data / "g287.duckdb")
    return data


# --- the hostile files ------------------------------------------------------------------------------


def truncated_xlsx(folder: Path) -> Path:
    whole = write_workbook(folder / "whole.xlsx", [agreement("A County Sheriff's Office")]).read_bytes()
    (folder / "whole.xlsx").unlink()
    path = folder / "participatingAgencies03062025am.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def html_error_page(folder: Path) -> Path:
    path = folder / "participatingAgencies03062025pm.xlsx"
    path.write_bytes(
        b"<!DOCTYPE html><html><head><title>503</title></head><body>Service Unavailable</body></html>"
    )
    return path


def zip_bomb(folder: Path) -> Path:
    return write_zip_bomb(folder / "participatingAgencies03072025am.xlsx")


def csv_instead_of_xlsx(folder: Path) -> Path:
    path = folder / "participatingAgencies03082025am.xlsx"
    path.write_text("STATE,LAW ENFORCEMENT AGENCY,SUPPORT TYPE\nTEXAS,Bexar County,Task Force Model\n")
    return path


def latin1_csv(folder: Path) -> Path:
    path = folder / "participatingAgencies03092025am.csv"
    path.write_bytes("STATE,LAW ENFORCEMENT AGENCY\nPUERTO RICO,Polic\xeda de Bayam\xf3n\n".encode("latin-1"))
    return path


def latin1_sheet_xml(folder: Path) -> Path:
    """A workbook whose sheet XML declares UTF-8 but holds Latin-1 bytes."""
    path = write_parts(folder / "participatingAgencies03102025am.xlsx", list_rows([[*BEXAR, "link", ""]]))
    parts = {}
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"Bexar County Sheriff", "B\xe9xar County Sheriff".encode("latin-1"))
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def empty_workbook(folder: Path) -> Path:
    return write_parts(folder / "participatingAgencies03112025am.xlsx", [])


def renamed_headers(folder: Path) -> Path:
    header = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "MODEL", "SIGNED"]
    return write_workbook(folder / "participatingAgencies03122025am.xlsx", [BEXAR], header)


def missing_headers(folder: Path) -> Path:
    return write_workbook(
        folder / "participatingAgencies03132025am.xlsx", [BEXAR[:2]], ["STATE", "LAW ENFORCEMENT AGENCY"]
    )


@dataclass(frozen=True)
class Refused:
    build: Callable[[Path], Path]
    reason: str


REFUSED = {
    "truncated xlsx": Refused(
        truncated_xlsx, "not an xlsx workbook (content looks like a truncated or damaged zip)"
    ),
    "HTML error page saved as .xlsx": Refused(
        html_error_page, "not an xlsx workbook (content looks like html)"
    ),
    "zip bomb": Refused(zip_bomb, "bytes uncompressed, more than 200,000,000 (a zip bomb, not an ICE list)"),
    "CSV named .xlsx": Refused(csv_instead_of_xlsx, "not an xlsx workbook (content looks like csv)"),
    "Latin-1 CSV": Refused(latin1_csv, "not an xlsx workbook (content looks like unknown)"),
    "Latin-1 bytes in sheet XML": Refused(latin1_sheet_xml, "cannot decode input using UTF-8"),
    "empty workbook": Refused(
        empty_workbook, "no sheet has an ICE list header; first rows found: {'Sheet1': []}"
    ),
    "renamed headers": Refused(
        renamed_headers, "unknown columns ['MODEL']; missing columns ['SUPPORT TYPE']"
    ),
    "missing headers": Refused(missing_headers, "missing columns ['SUPPORT TYPE']"),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_a_bad_file_is_rejected_with_its_reason_and_changes_nothing(data_dir: Path, case: Refused) -> None:
    inbox = data_dir / "inbox"
    inbox.mkdir()
    path = case.build(inbox)
    before = stored_state(data_dir)
    started = time.monotonic()
    (record,) = register_folder(inbox, data_dir / "archive")
    assert time.monotonic() - started < TIME_BOUND
    assert (record.outcome, record.snapshot_key) == ("rejected", None)
    assert case.reason in record.reason
    assert_nothing_stored_changed(data_dir, before, new_records=1)
    if path.suffix == ".xlsx":
        with pytest.raises(SpreadsheetError):
            read_table(path)


def million_rows(path: Path) -> Path:
    """An ICE header and a million short, distinct rows: about 60 MB of XML that compresses like real data."""
    rows = (f"<row>{text_cell('TEXAS')}{text_cell(f'Agency {n}')}</row>" for n in range(1_000_000))
    return write_parts(path, itertools.chain(list_rows([]), rows))


def test_bombs_and_a_million_rows_are_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """Measured in a child process, so its peak memory is the refusal's alone (about 40 MiB here)."""
    files = [zip_bomb(tmp_path), million_rows(tmp_path / "participatingAgencies03142025am.xlsx")]
    probe = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from g287_assets.lib.snapshots.registry import rejection_reason\n"
        "from g287_assets.lib.snapshots.xlsx import SpreadsheetError, read_table\n"
        "started = time.monotonic(); out = []\n"
        "for name in sys.argv[1:]:\n"
        "    reason = rejection_reason(Path(name))\n"
        "    try:\n"
        "        read_table(Path(name)); error = None\n"
        "    except SpreadsheetError as problem:\n"
        "        error = str(problem)\n"
        "    out.append([reason, error])\n"
        # VmHWM is this process's own peak; ru_maxrss would carry the parent's peak across exec.
        "status = Path('/proc/self/status').read_text().split('VmHWM:')[1]\n"
        "peak = int(status.split()[0]) // 1024\n"
        "print(json.dumps({'results': out, 'seconds': time.monotonic() - started, 'peak_mib': peak}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    measured = json.loads(result.stdout)
    (bomb_reason, bomb_error), (rows_reason, rows_error) = measured["results"]
    assert "(a zip bomb, not an ICE list)" in bomb_reason and "(a zip bomb, not an ICE list)" in bomb_error
    assert f"more than {MAX_ROWS:,} rows in xl/worksheets/sheet1.xml" in rows_reason
    assert f"more than {MAX_ROWS:,} rows" in rows_error
    assert measured["seconds"] < 2 * TIME_BOUND
    assert measured["peak_mib"] < 200


# --- odd files that are lists: read safely, verbatim ---------------------------------------------------


def test_formulas_and_external_links_are_kept_as_text_never_evaluated(tmp_path: Path) -> None:
    row = (
        "<row>"
        + text_cell("TEXAS")
        + formula_cell('HYPERLINK("https://example.org/x","Bexar")', "Bexar County Sheriff's Office")
        + text_cell("County")
        + formula_cell("'[1]Sheet1'!A1", None)
        + text_cell("Task Force Model")
        + formula_cell("1+1", None)
        + text_cell("=cmd|' /C calc'!A0")
        + "</row>"
    )
    external = {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}
    path = write_parts(tmp_path / "f.xlsx", [*list_rows([]), row], extra_parts=external)
    (read,) = read_table(path).rows
    # The value Excel last showed, never a recomputation; a formula with no such value stays empty.
    assert read.cells["agency"] == "Bexar County Sheriff's Office"
    assert read.cells["county"] is None
    assert read.cells["signed"] is None
    # Text that looks like a formula is kept verbatim as text.
    assert read.cells["moa"] == "=cmd|' /C calc'!A0"


def test_control_characters_and_a_10000_character_name_are_read_bounded(tmp_path: Path) -> None:
    name = "Bexar_x0001_ County\tSheriff_x001F_s Office " + "X" * 10_000
    path = write_parts(tmp_path / "c.xlsx", list_rows([["TEXAS", name, "County", "B", "Task Force Model"]]))
    (read,) = read_table(path).rows
    assert read.cells["agency"].startswith("Bexar\x01 County\tSheriff\x1fs Office XXX")
    assert len(read.cells["agency"]) == MAX_CELL_CHARS


def test_only_a_header_reordered_columns_and_extra_sheets_are_read(tmp_path: Path) -> None:
    assert read_table(write_workbook(tmp_path / "h.xlsx", [])).rows == []
    reordered = ["SUPPORT TYPE", "LAW ENFORCEMENT AGENCY", "STATE"]
    table = read_table(
        write_workbook(tmp_path / "r.xlsx", [["Task Force Model", "Polk County", "FLORIDA"]], reordered)
    )
    assert table.rows[0].cells == {
        "support_type": "Task Force Model",
        "agency": "Polk County",
        "state": "FLORIDA",
    }
    notes = {"Notes": [["prepared by"]], "Totals": [["STATE", "COUNT"]]}
    table = read_table(
        write_workbook(tmp_path / "x.xlsx", [BEXAR], PARTICIPATING_HEADER[:6], extra_sheets=notes)
    )
    assert (table.sheet_name, table.ignored_sheets, len(table.rows)) == ("Sheet1", ["Notes", "Totals"], 1)
