"""The data dictionary is the database: every catalogued table exists with exactly its columns, all described."""

import duckdb
import pytest

from g287_assets.lib.warehouse import catalog


@pytest.mark.parametrize("table", catalog.TABLES, ids=lambda table: table.name)
def test_catalogued_table_matches_the_database(
    published: duckdb.DuckDBPyConnection, table: catalog.Table
) -> None:
    schema, name = table.name.split(".")
    found = published.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()
    assert [(column, kind) for column, kind, _ in found] == [(c.name, c.type) for c in table.columns]
    assert [column for column, _, comment in found if not comment] == []
    described = published.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
        "UNION ALL SELECT comment FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
        [schema, name, schema, name],
    ).fetchone()
    assert described and described[0] == table.description


def test_every_public_table_of_the_contract_is_catalogued() -> None:
    contract = {
        "raw.snapshots",
        "clean.agreements",
        "history.agreements",
        "history.cancellations",
        "history.timeline",
        "geo.agency_jurisdictions",
        "marts.current_agreements",
        "marts.county_summary",
        "marts.state_summary",
    }
    assert contract <= {table.name for table in catalog.TABLES}
