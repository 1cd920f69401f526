"""Reading ICE workbooks: every header variant of the archive, hyperlinks, odd sheets, clear errors."""

import csv
from pathlib import Path

import pytest

from g287_assets.lib.snapshots.xlsx import SpreadsheetError, list_header, read_table, unwrap_url
from g287_assets_tests.workbooks import PENDING_HEADER, agreement, write_workbook

# Every cell reading "link" in the 2026-03-09 list carries a hyperlink; "link pending" carries none.
LINKED_MOA_CELLS_2026_03_09 = 1407

# One real file per header variant of the archive's provenance.
HEADER_EXAMPLES = {
    "H1": "html_era/ParticipatingEntities_html_2021-01-13_wb002027.xlsx",
    "H2": "participatingAgencies_2025-03-06_am.xlsx",
    "H3": "participatingAgencies_2025-05-16_am.xlsx",
    "H4": "participatingAgencies_2026-03-09_am.xlsx",
    "H5": "pendingAgencies_2025-05-15_am.xlsx",
    "H6": "pendingAgencies_2025-02-21_wb214937.xlsx",
    "H7": "pendingAgencies_2026-02-27_am.xlsx",
}


def index_rows(mirror: Path) -> dict[str, int]:
    with (mirror / "ice" / "snapshots_index.csv").open(encoding="utf-8") as stream:
        return {row["saved_file"]: int(row["rows"]) for row in csv.DictReader(stream)}


@pytest.mark.parametrize(("code", "name"), sorted(HEADER_EXAMPLES.items()))
def test_every_header_variant_is_read(source_mirror: Path, code: str, name: str) -> None:
    table = read_table(source_mirror / "ice" / name)
    assert table.header_code == code
    assert len(table.rows) == index_rows(source_mirror)[name]


def test_every_file_of_the_archive_has_its_documented_row_count(source_mirror: Path) -> None:
    expected = index_rows(source_mirror)
    ice = source_mirror / "ice"
    files = sorted(ice.glob("*.xlsx")) + sorted(ice.glob("html_era/*.xlsx"))
    assert len(files) == 501
    mismatched = {
        str(path.relative_to(ice)): (len(read_table(path).rows), expected[str(path.relative_to(ice))])
        for path in files
        if len(read_table(path).rows) != expected[str(path.relative_to(ice))]
    }
    assert mismatched == {}


def test_the_march_2026_list_has_its_known_values(source_mirror: Path) -> None:
    table = read_table(source_mirror / "ice" / "participatingAgencies_2026-03-09_am.xlsx")
    assert len(table.rows) == 1511
    assert table.sheet_name == "Sheet1"
    models = [row.cells["support_type"].strip() for row in table.rows]
    assert models.count("Task Force Model") == 886
    links = [row.moa_link for row in table.rows if row.moa_link]
    assert len(links) == LINKED_MOA_CELLS_2026_03_09
    # Kept verbatim here, wrappers and all; cleaning repairs them.
    assert (
        "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/UnivFLPDFL_TFM_MOA_041525.pdf"
        in links
    )


def test_an_extra_summary_sheet_is_ignored(source_mirror: Path) -> None:
    table = read_table(source_mirror / "ice" / "participatingAgencies_2026-03-02_am.xlsx")
    assert table.sheet_name == "Sheet1"
    assert table.ignored_sheets == ["Sheet2"]
    assert len(table.rows) == 1499


def test_a_blank_row_inside_the_table_is_skipped_and_counted(source_mirror: Path) -> None:
    table = read_table(source_mirror / "ice" / "participatingAgencies_2025-09-24_am.xlsx")
    assert table.blank_rows_inside == 1
    assert len(table.rows) == index_rows(source_mirror)["participatingAgencies_2025-09-24_am.xlsx"]


def test_wrapped_and_malformed_urls_are_repaired() -> None:
    wrapped = (
        "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2FX.pdf"
        "&data=05%7C02"
    )
    assert unwrap_url(wrapped) == "https://www.ice.gov/doclib/287gMOA/X.pdf"
    archived = "https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/287gMOA/287gJEM_A.pdf"
    assert unwrap_url(archived) == "https://www.ice.gov/doclib/287gMOA/287gJEM_A.pdf"
    viewer = "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/U.pdf"
    assert unwrap_url(viewer) == "https://www.ice.gov/doclib/287gMOA/U.pdf"
    assert unwrap_url("http://www.ice.gov/doclib/287gMOA/W.pdf") == "https://www.ice.gov/doclib/287gMOA/W.pdf"
    assert unwrap_url("https://example.org/a.pdf") == "https://example.org/a.pdf"


def test_hyperlinks_of_built_workbook_are_read(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "list.xlsx",
        [agreement("A County Sheriff's Office"), agreement("B County Sheriff's Office")],
        links={"G3": "https://www.ice.gov/doclib/287gMOA/B.pdf"},
    )
    rows = read_table(path).rows
    assert [row.moa_link for row in rows] == [None, "https://www.ice.gov/doclib/287gMOA/B.pdf"]
    assert rows[1].row_number == 3


def test_reordered_known_columns_are_read_by_name(tmp_path: Path) -> None:
    header = ["LAW ENFORCEMENT AGENCY", "STATE", "SUPPORT TYPE", "TYPE"]
    path = write_workbook(
        tmp_path / "x.xlsx",
        [["Polk County Sheriff's Office", "FLORIDA", "Jail Enforcement Model", "County"]],
        header,
    )
    table = read_table(path)
    assert table.header_code == "new variant"
    assert table.rows[0].cells["state"] == "FLORIDA"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "AGREEMENT"], "unknown columns ['AGREEMENT']"),
        (["STATE", "LAW ENFORCEMENT AGENCY", "TYPE"], "missing columns ['SUPPORT TYPE']"),
    ],
)
def test_an_unknown_header_is_a_clear_error(tmp_path: Path, header: list[str], message: str) -> None:
    path = write_workbook(tmp_path / "odd.xlsx", [["TEXAS", "X", "County", "Y"]], header)
    with pytest.raises(SpreadsheetError, match=r"odd\.xlsx: unrecognized header") as error:
        read_table(path)
    assert message in str(error.value)


def test_html_saved_as_xlsx_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "participatingAgencies03092026am.xlsx"
    path.write_text("<html><body>Access denied</body></html>")
    with pytest.raises(SpreadsheetError, match="not a readable xlsx workbook"):
        read_table(path)


def test_a_workbook_without_a_list_names_its_first_rows(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "totals.xlsx", [["TX", 3]], ["Total", "JEM"])
    with pytest.raises(SpreadsheetError, match="no sheet has an ICE list header"):
        list_header(path)


def test_pending_header_is_recognized(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "p.xlsx",
        [["OHIO", "X Police Department", "Municipality", "Y", "Task Force Model"]],
        PENDING_HEADER,
    )
    assert list_header(path) == ("Sheet1", "H5")
    assert not read_table(path).has_signed
