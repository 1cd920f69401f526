"""The README's main job on the whole real archive: every file imported, counts that match ICE's files."""

import csv
from pathlib import Path

import duckdb
import pytest


def documented_rows(mirror: Path) -> dict[str, int]:
    """Data rows per saved file, as the archive's own index counts them."""
    with (mirror / "ice" / "snapshots_index.csv").open(encoding="utf-8") as stream:
        return {Path(row["saved_file"]).name: int(row["rows"]) for row in csv.DictReader(stream)}


def test_every_file_of_the_archive_is_accounted_for(published: duckdb.DuckDBPyConnection) -> None:
    outcomes = dict(published.execute("SELECT outcome, count(*) FROM raw.file_imports GROUP BY 1").fetchall())
    # 231 participating + 250 pending + 20 web-page tables = 501 lists; one pending-named file has the bytes of a
    # participating list; derived/ holds 4 other projects' tables and the index CSV is not a list.
    assert outcomes == {"snapshot": 500, "alias": 1, "rejected": 5}
    kinds = dict(published.execute("SELECT list_kind, count(*) FROM raw.snapshots GROUP BY 1").fetchall())
    assert kinds == {"participating": 250, "pending": 250}


def test_agreements_equal_data_rows_minus_duplicates(
    published: duckdb.DuckDBPyConnection, source_mirror: Path
) -> None:
    expected = documented_rows(source_mirror)
    rows = published.execute(
        """
        SELECT s.file_name, s.row_count, s.duplicate_rows, count(a.snapshot_key) AS agreements
        FROM raw.snapshots s LEFT JOIN clean.agreements a USING (snapshot_key) GROUP BY ALL
        """
    ).fetchall()
    assert len(rows) == 500
    assert [name for name, row_count, _, _ in rows if row_count != expected[name]] == []
    assert [name for name, row_count, dups, agreements in rows if agreements != row_count - dups] == []
    assert sum(dups for _, _, dups, _ in rows) == 1


def test_no_usable_participating_list_has_unknown_values(published: duckdb.DuckDBPyConnection) -> None:
    unknown = published.execute(
        """
        SELECT count(*) FROM clean.agreements a JOIN raw.snapshots s USING (snapshot_key)
        WHERE s.status = 'usable' AND s.list_kind = 'participating'
          AND (a.state_code IS NULL OR a.level IS NULL OR a.model IS NULL)
        """
    ).fetchone()[0]
    assert unknown == 0


@pytest.mark.parametrize(
    ("file_name", "agreements", "agencies", "tfm"),
    [
        ("participatingAgencies_2025-02-21_wb214937.xlsx", 151, 142, 11),
        ("participatingAgencies_2026-03-09_am.xlsx", 1511, 1267, 886),
        ("participatingAgencies_2026-05-18_am.xlsx", 1843, 1549, 1162),
        ("html_era/ParticipatingEntities_html_2025-01-19_wb192356.xlsx", 135, 133, 0),
    ],
)
def test_key_snapshots_have_the_documented_counts(
    published: duckdb.DuckDBPyConnection, file_name: str, agreements: int, agencies: int, tfm: int
) -> None:
    counts = published.execute(
        """
        SELECT count(*), count(DISTINCT (a.state_code, a.agency_key)), count(*) FILTER (WHERE a.model = 'TFM')
        FROM clean.agreements a JOIN raw.snapshots s USING (snapshot_key) WHERE s.file_name = ?
        """,
        [Path(file_name).name],
    ).fetchone()
    assert counts == (agreements, agencies, tfm)


def test_swapped_files_are_filed_under_their_true_kind(published: duckdb.DuckDBPyConnection) -> None:
    snapshot = published.execute(
        "SELECT list_kind, status, quality_reason, row_count FROM raw.snapshots "
        "WHERE file_name = 'participatingAgencies_2025-09-22_pm_SWAPPED.xlsx'"
    ).fetchone()
    assert snapshot[0] == "pending" and snapshot[3] == 42
    assert snapshot[2].startswith("swapped: named as the participating list but holds the pending list")
    alias = published.execute(
        "SELECT i.alias_note, s.list_kind FROM raw.file_imports i JOIN raw.snapshots s USING (snapshot_key) "
        "WHERE i.file_name = 'pendingAgencies_2025-09-22_pm_SWAPPED.xlsx'"
    ).fetchone()
    # Its bytes are the participating list of 2025-09-18: an old list, published under the wrong name.
    assert alias == (
        "stale re-publication: same bytes as the list of 2025-09-18 under a name dated 2025-09-22; "
        "swapped: named as the pending list but holds the participating list",
        "participating",
    )


def test_republished_lists_are_quarantined_with_their_reason(published: duckdb.DuckDBPyConnection) -> None:
    quarantined = published.execute(
        "SELECT file_name, quality_reason FROM raw.snapshots WHERE status = 'quarantined' AND list_kind = 'participating'"
    ).fetchall()
    assert quarantined == [
        (
            "participatingAgencies_2025-08-11_am.xlsx",
            "republished: same agreements as the list of 2025-08-07 (2025-08-07_pm_1e64567a), after newer lists",
        )
    ]
    empty_pending = published.execute(
        "SELECT count(*) FROM raw.snapshots WHERE list_kind = 'pending' AND quality_reason LIKE 'empty:%'"
    ).fetchone()[0]
    assert empty_pending == 7


def test_the_web_page_era_is_dated_by_capture_and_typed_by_name(published: duckdb.DuckDBPyConnection) -> None:
    rows = published.execute(
        """
        SELECT s.snapshot_date, s.date_basis, s.source_format, count(*) FILTER (WHERE a.level_source = 'inferred')
        FROM raw.snapshots s JOIN clean.agreements a USING (snapshot_key)
        WHERE s.file_name = 'ParticipatingEntities_html_2021-01-13_wb002027.xlsx' GROUP BY ALL
        """
    ).fetchone()
    assert str(rows[0]) == "2021-01-13"
    assert rows[1] == "wayback capture time"
    assert rows[2] == "web_table"
    assert rows[3] == 150


def test_public_tables_carry_descriptions(published: duckdb.DuckDBPyConnection) -> None:
    undocumented = published.execute(
        """
        SELECT table_name || '.' || column_name FROM duckdb_columns()
        WHERE schema_name IN ('raw', 'clean') AND table_name IN ('snapshots', 'agreements') AND comment IS NULL
        """
    ).fetchall()
    assert undocumented == []
