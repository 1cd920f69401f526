"""Two built databases compared table by table: the public tables' columns, types and rows.

Used to show that a change of code left every public table as it was (`g287 compare`), and by the test that
builds the same history from the shipped files and from the xlsx archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from g287_assets.lib.warehouse import catalog


@dataclass(frozen=True)
class TableComparison:
    """One public table in two databases: its column types in each, its rows, and the rows each lacks."""

    table: str
    columns_first: tuple[tuple[str, str], ...]
    columns_second: tuple[tuple[str, str], ...]
    rows_first: int
    rows_second: int
    only_first: int
    only_second: int

    @property
    def same(self) -> bool:
        return self.columns_first == self.columns_second and self.only_first == 0 and self.only_second == 0


def _columns(
    con: duckdb.DuckDBPyConnection, database: str, table: catalog.Table
) -> tuple[tuple[str, str], ...]:
    schema, name = table.name.split(".")
    return tuple(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [database, schema, name],
        ).fetchall()
    )


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    return con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]


def _compare(con: duckdb.DuckDBPyConnection, table: catalog.Table) -> TableComparison:
    """One table in the databases attached as first and second; a table one lacks counts no rows there."""
    columns = {database: _columns(con, database, table) for database in ("first", "second")}
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    rows = {database: f"SELECT {names} FROM {database}.{table.name}" for database in columns}
    counts = {database: _count(con, rows[database]) if columns[database] else 0 for database in columns}
    if columns["first"] and columns["second"]:
        only_first = _count(con, f"{rows['first']} EXCEPT ALL {rows['second']}")
        only_second = _count(con, f"{rows['second']} EXCEPT ALL {rows['first']}")
    else:
        only_first, only_second = counts["first"], counts["second"]
    return TableComparison(
        table=table.name,
        columns_first=columns["first"],
        columns_second=columns["second"],
        rows_first=counts["first"],
        rows_second=counts["second"],
        only_first=only_first,
        only_second=only_second,
    )


def compare_databases(first: Path, second: Path, every_table: bool = False) -> list[TableComparison]:
    """The catalog's public tables (every table) in both databases; rows compared as multisets (EXCEPT ALL).

    A table one database lacks (built before the table existed) has no columns there, so it differs.
    """
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS first (READ_ONLY)", [str(first)])
        con.execute("ATTACH ? AS second (READ_ONLY)", [str(second)])
        return [_compare(con, table) for table in catalog.TABLES if every_table or table.public]
