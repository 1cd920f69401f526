"""How a table is described: its columns, their types and meanings, and the DDL and comments made from that."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str  # schema.table
    description: str
    columns: tuple[Column, ...]
    public: bool = False
    # A view: what its columns are selected from ("schema.table WHERE ..."); None for a table.
    view_source: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def define_table(
    name: str, description: str, columns: list[tuple[str, str, str]], public: bool = False
) -> Table:
    return Table(name, description, tuple(Column(*column) for column in columns), public)


def quote(text: str) -> str:
    """A SQL string literal of catalog text (code constants only, never data)."""
    return "'" + text.replace("'", "''") + "'"


def create_statements(table: Table, replace: bool = False) -> list[str]:
    """DDL for a table (kept if present, unless `replace`) or a view (always replaced).

    Identifiers and texts come from this module only.
    """
    schema = table.name.split(".")[0]
    if table.view_source is not None:
        selected = ", ".join(table.column_names)
        create = f"CREATE OR REPLACE VIEW {table.name} AS SELECT {selected} FROM {table.view_source}"
    else:
        columns = ", ".join(f"{column.name} {column.type}" for column in table.columns)
        verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
        create = f"{verb} {table.name} ({columns})"
    return [f"CREATE SCHEMA IF NOT EXISTS {schema}", create]


def comment_statements(table: Table, kind: str = "TABLE") -> list[str]:
    statements = [f"COMMENT ON {kind} {table.name} IS {quote(table.description)}"]
    statements += [
        f"COMMENT ON COLUMN {table.name}.{column.name} IS {quote(column.description)}"
        for column in table.columns
    ]
    return statements
