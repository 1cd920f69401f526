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


def compare_databases(first: Path, second: Path, every_table: bool = False) -> list[TableComparison]:
    """The catalog's public tables (every table) in both databases; rows compared as multisets (EXCEPT ALL)."""
    comparisons = []
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS first (READ_ONLY)", [str(first)])
        con.execute("ATTACH ? AS second (READ_ONLY)", [str(second)])
        for table in (table for table in catalog.TABLES if every_table or table.public):
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            only = "SELECT count(*) FROM (SELECT {c} FROM {x}.{t} EXCEPT ALL SELECT {c} FROM {y}.{t})"
            count = "SELECT count(*) FROM {x}.{t}"
            comparisons.append(
                TableComparison(
                    table=table.name,
                    columns_first=_columns(con, "first", table),
                    columns_second=_columns(con, "second", table),
                    rows_first=con.execute(count.format(x="first", t=table.name)).fetchone()[0],
                    rows_second=con.execute(count.format(x="second", t=table.name)).fetchone()[0],
                    only_first=con.execute(
                        only.format(c=columns, x="first", y="second", t=table.name)
                    ).fetchone()[0],
                    only_second=con.execute(
                        only.format(c=columns, x="second", y="first", t=table.name)
                    ).fetchone()[0],
                )
            )
    return comparisons
