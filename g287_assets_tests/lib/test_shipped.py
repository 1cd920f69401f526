"""The shipped history and Census tables: verified, equal to the files they were made from, one content once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from g287_assets.lib.files import file_sha256
from g287_assets.lib.settings import SHIPPED_DIR
from g287_assets.lib.snapshots.contents import rows_frame
from g287_assets.lib.snapshots.registry import load_imports, register_folder, register_shipped
from g287_assets.lib.snapshots.shipped import NAMES, ROW_COLUMNS, ShippedError, ShippedHistory
from g287_assets.lib.snapshots.xlsx import read_table
from g287_assets.lib.sources.census import SOURCES, obtain_source, read_source


def values(frame: pd.DataFrame) -> pd.DataFrame:
    """The cells alone: every missing value one None, whatever null each reader's dtype uses."""
    return frame.astype(object).where(frame.notna(), None).reset_index(drop=True)


@pytest.fixture(scope="module")
def shipped() -> ShippedHistory:
    return ShippedHistory(SHIPPED_DIR)


def test_the_shipped_history_holds_every_list_of_the_archive(shipped: ShippedHistory) -> None:
    lists = shipped.lists
    assert len(lists) == 500
    assert len(shipped.names) == 501
    assert sum(name.outcome == "snapshot" for name in shipped.names) == 500
    assert shipped.last_list_date == "2026-05-18"
    march_9 = lists[lists["snapshot_key"].str.startswith("2026-03-09_am")].iloc[0]
    table, rows, error = shipped.read(march_9.sha256)
    assert error is None and table.has_signed and table.header_code
    assert len(rows) == int(march_9.data_rows) == 1511
    assert list(rows.columns) == ROW_COLUMNS
    # Hyperlink targets travel with the cells: the MOA links of ICE's own site.
    assert rows["moa_link"].str.startswith("https://www.ice.gov/").sum() > 1000


def test_an_altered_or_missing_shipped_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "shipped"
    shutil.copytree(SHIPPED_DIR, copy)
    with (copy / NAMES).open("a", encoding="utf-8") as stream:
        stream.write("0" * 64 + ",participatingAgencies_2030-01-01_am.xlsx,snapshot,\n")
    with pytest.raises(ShippedError, match="does not match its manifest"):
        ShippedHistory(copy)
    (copy / NAMES).unlink()
    with pytest.raises(ShippedError, match="is missing"):
        ShippedHistory(copy)
    with pytest.raises(ShippedError, match="g287 pack"):
        ShippedHistory(tmp_path / "nowhere")


# One file per header variant and era: the web-page capture, the first spreadsheets, COUNTY, ADDENDUM.
SAMPLES = [
    "html_era/ParticipatingEntities_html_2022-08-11_wb151116.xlsx",
    "participatingAgencies_2025-02-21_wb214937.xlsx",
    "participatingAgencies_2025-07-09_am.xlsx",
    "participatingAgencies_2026-03-09_am.xlsx",
    "pendingAgencies_2026-02-27_am.xlsx",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_shipped_cells_equal_the_xlsx_files(shipped: ShippedHistory, source_mirror: Path, name: str) -> None:
    path = source_mirror / "ice" / name
    table = read_table(path, file_label=path.name)
    expected = values(rows_frame("key", table)[ROW_COLUMNS])
    shape, rows, error = shipped.read(file_sha256(path))
    assert error is None
    assert (shape.sheet_name, shape.header, shape.header_code) == (
        table.sheet_name,
        table.header,
        table.header_code,
    )
    assert (shape.blank_rows_inside, shape.ignored_sheets) == (table.blank_rows_inside, table.ignored_sheets)
    pd.testing.assert_frame_equal(values(rows), expected, check_dtype=False)


@pytest.mark.parametrize("name", list(SOURCES))
def test_shipped_census_tables_equal_the_census_files(
    shipped: ShippedHistory, source_mirror: Path, tmp_path: Path, name: str
) -> None:
    from_files = obtain_source(SOURCES[name], tmp_path, mirror=source_mirror)
    from_shipped = obtain_source(SOURCES[name], tmp_path, shipped=shipped)
    assert from_shipped.obtained == "shipped"
    assert from_shipped.sha256 == from_files.sha256  # the manifest names the file it was packed from
    pd.testing.assert_frame_equal(
        values(read_source(from_shipped)), values(read_source(from_files)), check_dtype=False
    )


def test_one_content_is_one_snapshot_whether_shipped_or_offered_as_a_file(
    shipped: ShippedHistory, source_mirror: Path, tmp_path: Path
) -> None:
    name = "participatingAgencies_2026-03-09_am.xlsx"
    sha256 = file_sha256(source_mirror / "ice" / name)
    names = [entry for entry in shipped.names if entry.sha256 == sha256]
    folder = tmp_path / "files"
    folder.mkdir()
    shutil.copy(source_mirror / "ice" / name, folder / name)

    shipped_first = tmp_path / "shipped_first"
    (record,) = register_shipped(names, shipped_first)
    assert record.outcome == "snapshot" and record.source_path == f"shipped:{name}"
    (offered,) = register_folder(folder, shipped_first)
    assert (offered.outcome, offered.snapshot_key) == ("alias", record.snapshot_key)
    assert not list(shipped_first.glob("*/*.xlsx")), "a shipped list is never copied into the archive"
    assert register_shipped(names, shipped_first) == []

    file_first = tmp_path / "file_first"
    (offered,) = register_folder(folder, file_first)
    (record,) = register_shipped(names, file_first)
    assert (record.outcome, record.snapshot_key) == ("alias", offered.snapshot_key)
    assert [r.outcome for r in load_imports(file_first)] == ["snapshot", "alias"]
