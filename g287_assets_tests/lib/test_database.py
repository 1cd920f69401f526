"""SQL-built tables take the catalog's columns and types; the usable participating lists are one view."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import (
    _FILL,
    LIB_DIR,
    ensure_table,
    rebuild_table,
    run_script,
    split_statements,
)

TIMELINE = catalog.HISTORY_TIMELINE_BY_STATE
COUNTS = ", ".join(f"{n}::INTEGER AS {c.name}" for n, c in enumerate(TIMELINE.columns[3:], start=1))
# Every column of history.timeline_by_state, in another order than the catalog's.
QUERY = f"SELECT 'TX' AS state_code, {COUNTS}, 's1' AS snapshot_key, DATE '2026-01-05' AS snapshot_date"


def declared(con: duckdb.DuckDBPyConnection, table: catalog.Table) -> list[tuple[str, str]]:
    schema, name = table.name.split(".")
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [schema, name],
    ).fetchall()


def test_a_rebuilt_table_has_the_catalog_columns_in_order_and_only_the_new_rows() -> None:
    con = duckdb.connect()
    rebuild_table(con, TIMELINE, QUERY)
    rebuild_table(con, TIMELINE, QUERY)
    assert declared(con, TIMELINE) == [(c.name, c.type) for c in TIMELINE.columns]
    assert con.execute(
        "SELECT snapshot_key, state_code, agreements, agencies_all_three_models FROM history.timeline_by_state"
    ).fetchall() == [("s1", "TX", 1, 10)]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (QUERY.replace(", 's1' AS snapshot_key", ""), "snapshot_key: catalog VARCHAR, query None"),
        (
            QUERY.replace("1::INTEGER AS agreements", "1::BIGINT AS agreements"),
            "agreements: catalog INTEGER, query BIGINT",
        ),
        (QUERY + ", 1 AS extra", "extra: catalog None, query INTEGER"),
    ],
    ids=["missing column", "other type", "extra column"],
)
def test_a_query_that_drifts_from_the_catalog_fails_and_keeps_the_table(query: str, problem: str) -> None:
    con = duckdb.connect()
    rebuild_table(con, TIMELINE, QUERY)
    with pytest.raises(ValueError, match=problem):
        rebuild_table(con, TIMELINE, query)
    assert con.execute("SELECT count(*) FROM history.timeline_by_state").fetchone() == (1,)


def test_a_column_of_nulls_takes_the_catalog_type() -> None:
    con = duckdb.connect()
    rebuild_table(con, TIMELINE, QUERY.replace("'TX' AS state_code", "NULL AS state_code"))
    assert ("state_code", "VARCHAR") in declared(con, TIMELINE)


def test_the_usable_participating_lists_view_keeps_only_those_lists() -> None:
    con = duckdb.connect()
    ensure_table(con, catalog.SNAPSHOTS)
    con.executemany(
        "INSERT INTO raw.snapshots (snapshot_key, snapshot_date, list_kind, status) VALUES (?, ?, ?, ?)",
        [
            ("kept", dt.date(2026, 1, 5), "participating", "usable"),
            ("quarantined", dt.date(2026, 1, 5), "participating", "quarantined"),
            ("pending", dt.date(2026, 1, 5), "pending", "usable"),
        ],
    )
    assert ensure_table(con, catalog.USABLE_PARTICIPATING_LISTS) is False
    view = catalog.USABLE_PARTICIPATING_LISTS
    assert declared(con, view) == [(c.name, c.type) for c in view.columns]
    assert con.execute(f"SELECT snapshot_key, snapshot_date FROM {view.name}").fetchall() == [
        ("kept", dt.date(2026, 1, 5))
    ]


def test_every_sql_built_table_of_a_script_is_catalogued() -> None:
    """Every `INSERT INTO schema.table BY NAME` of the SQL files rebuilds a catalogued table."""
    targets = {
        match.group(1)
        for path in LIB_DIR.glob("*/*.sql")
        for statement in split_statements(path.read_text(encoding="utf-8"))
        if (match := _FILL.search(statement))
    }
    assert "history.agreements" in targets and "marts.state_summary" in targets
    assert targets <= set(catalog.BY_NAME)


def test_a_script_filling_a_table_outside_the_catalog_fails(tmp_path, monkeypatch) -> None:
    (tmp_path / "stray.sql").write_text(
        "INSERT INTO history.stray BY NAME\nSELECT 1 AS n;\n", encoding="utf-8"
    )
    monkeypatch.setattr("g287_assets.lib.warehouse.database.LIB_DIR", tmp_path)
    with pytest.raises(ValueError, match="history.stray is not in the catalog"):
        run_script(duckdb.connect(), "stray.sql")
