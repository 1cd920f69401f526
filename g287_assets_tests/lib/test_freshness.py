"""What work is made from: the same files at another place are the same inputs; an edit is another."""

import shutil
from pathlib import Path

import duckdb

from g287_assets.lib.settings import PROJECT_ROOT
from g287_assets.lib.warehouse.freshness import Ledger, files_fingerprint, fingerprint

REFERENCE = PROJECT_ROOT / "data" / "reference"


def test_a_copy_of_the_reference_folder_is_the_same_input_and_an_edit_is_not(tmp_path: Path) -> None:
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    assert files_fingerprint([copy]) == files_fingerprint([REFERENCE])
    assert files_fingerprint([copy / "states.csv"]) == files_fingerprint([REFERENCE / "states.csv"])
    with (copy / "agency_name_corrections.csv").open("a", encoding="utf-8") as table:
        table.write("TX,Nowhere Police Dept,Nowhere Police Department,names no listed agency\n")
    assert files_fingerprint([copy]) != files_fingerprint([REFERENCE])
    assert files_fingerprint([tmp_path / "absent.csv"]) == ["absent.csv:absent"]


def test_the_ledger_says_unchanged_only_for_the_same_tables_and_files_present(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM range(5) r(n)")
    made = tmp_path / "made.png"
    made.write_bytes(b"png")
    ledger = Ledger(tmp_path)
    first = fingerprint(con, ["t"])
    assert ledger.unchanged("map", first, [made]) is None
    ledger.record("map", first, "2026-12-03T18:00:00+00:00", {"counties": 5})
    assert ledger.unchanged("map", fingerprint(con, ["t"]), [made])["notes"] == {"counties": 5}
    con.execute("UPDATE t SET n = n + 1 WHERE n = 4")
    assert ledger.unchanged("map", fingerprint(con, ["t"]), [made]) is None
    made.unlink()
    assert ledger.unchanged("map", first, [made]) is None
