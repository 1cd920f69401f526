"""Small DuckDB helpers used by every layer: create tables from the catalog, replace partitions, publish."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from g287_assets.lib.warehouse.catalog import BY_NAME
from g287_assets.lib.warehouse.schema import Table, comment_statements, create_statements

# SQL lives beside the code of its domain: names are relative to lib/, such as "history/presence.sql".
LIB_DIR = Path(__file__).parents[1]
BUILD_LOCK_NAME = ".build.lock"
# DuckDB takes up to 80% of the machine's memory by default; bounded, it spills large joins to disk instead
# (the history of 10,000 lists x 2,000 rows peaks at 1.2 GB instead of 3.4 GB, in the same time).
DUCKDB_CONFIG = {"memory_limit": "1GB"}
# Named parameters ($name) a statement binds; the values always travel separately from the SQL text.
_PARAMETER = re.compile(r"\$([a-z_]+)")
# A statement of a SQL file that fills a table: "INSERT INTO history.agreements BY NAME <query>".
_FILL = re.compile(r"^INSERT INTO ([a-z_]+\.[a-z_]+) BY NAME\s+(.*)", re.MULTILINE | re.DOTALL)


def ensure_table(con: duckdb.DuckDBPyConnection, table: Table) -> bool:
    """Create the table if absent; give a table kept from an earlier version the columns added since.

    Returns True when columns were added (they hold NULL until the table's rows are written again). A view
    is (re)created from the catalog.
    """
    for statement in create_statements(table):
        con.execute(statement)
    if table.view_source is not None:
        return False
    schema, name = table.name.split(".")
    present = {
        column
        for (column,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }
    missing = [column for column in table.columns if column.name not in present]
    for column in missing:
        con.execute(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type}")
    return bool(missing)


def _insert(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame) -> None:
    """Insert a frame with each column cast to its declared type (an all-NULL column has no type of its own)."""
    if not len(frame):
        return
    con.register("incoming", frame[table.column_names])
    casts = ", ".join(f"CAST({c.name} AS {c.type})" for c in table.columns)
    con.execute(f"INSERT INTO {table.name} ({', '.join(table.column_names)}) SELECT {casts} FROM incoming")
    con.unregister("incoming")


def _replace_rows(
    con: duckdb.DuckDBPyConnection, table: Table, delete: str, parameters: list, frame: pd.DataFrame
) -> None:
    """Delete some of a table's rows and insert a frame in their place, in one transaction."""
    ensure_table(con, table)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(delete, parameters)
        _insert(con, table, frame)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def replace_snapshots(
    con: duckdb.DuckDBPyConnection, table: Table, keys: list[str], frame: pd.DataFrame
) -> None:
    """Idempotent per-partition write: delete the snapshots' rows, insert the new ones, in one transaction."""
    delete = f"DELETE FROM {table.name} WHERE snapshot_key IN (SELECT unnest(?::VARCHAR[]))"
    _replace_rows(con, table, delete, [keys], frame)


def replace_table(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame) -> None:
    """Replace a whole table's rows with a frame, keeping the table's declared types."""
    _replace_rows(con, table, f"DELETE FROM {table.name}", [], frame)


def rebuild_table(
    con: duckdb.DuckDBPyConnection, table: Table, query: str, parameters: Mapping[str, object] | None = None
) -> None:
    """Replace a table by the rows of a query, the table created anew from the catalog, in one transaction.

    The query must give exactly the catalog's columns with the catalog's types (in any order), so a query
    that drifts from the data dictionary fails the build instead of changing a published table.
    """
    produced = {
        name: kind for name, kind, *_ in con.execute(f"DESCRIBE {query}", parameters or None).fetchall()
    }
    declared = {column.name: column.type for column in table.columns}
    # A column of NULLs only (an empty working table) has no type of its own: it takes the catalog's.
    differences = sorted(
        f"{name}: catalog {declared.get(name)}, query {produced.get(name)}"
        for name in declared.keys() | produced.keys()
        if declared.get(name) != produced.get(name)
        and not (name in declared and produced.get(name) == '"NULL"')
    )
    if differences:
        raise ValueError(
            f"{table.name}: the query does not give the catalog's columns: {'; '.join(differences)}"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in create_statements(table, replace=True):
            con.execute(statement)
        con.execute(f"INSERT INTO {table.name} BY NAME {query}", parameters or None)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def describe(con: duckdb.DuckDBPyConnection, tables: list[Table]) -> None:
    """Attach every existing table's and view's description, and its columns', as DuckDB comments."""
    for table in tables:
        found = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_schema || '.' || table_name = ?",
            [table.name],
        ).fetchone()
        if found:
            for statement in comment_statements(table, "VIEW" if found[0] == "VIEW" else "TABLE"):
                con.execute(statement)


def publish(work_db: Path, published_db: Path) -> None:
    """Replace the published database atomically: readers of the old file keep a consistent view.

    The copy is complete and on disk before the rename, and a failed copy is removed, so a crash at any
    point leaves either the old file or the new one under the published name, never a mix.
    """
    with duckdb.connect(str(work_db)) as con:
        con.execute("CHECKPOINT")
    temporary = published_db.with_name(f".{published_db.name}.publishing")
    try:
        shutil.copyfile(work_db, temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, published_db)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(published_db.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a rename inside a folder durable (the folder's entry list is what a rename changes)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# Lock files this process holds, with how many holders nest: `g287 build` takes the lock for registration and
# its run, and the run's database resource takes it again in the same process.
_HELD: dict[Path, int] = {}
_HELD_GUARD = threading.Lock()


@contextmanager
def build_lock(work_db: Path, wait_seconds: float = 0) -> Iterator[bool]:
    """Hold the one-writer lock of a working database, waiting up to `wait_seconds`; yields whether it was
    obtained. A process that already holds it (a run inside `g287 build`) obtains it again at once.

    flock belongs to the open file: the kernel releases it when the holder exits, even by SIGKILL, so a
    crashed build never leaves a stale lock behind.
    """
    work_db.parent.mkdir(parents=True, exist_ok=True)
    path = (work_db.parent / BUILD_LOCK_NAME).resolve()
    with _HELD_GUARD:
        nested = path in _HELD
        if nested:
            _HELD[path] += 1
    if nested:
        try:
            yield True
        finally:
            with _HELD_GUARD:
                _HELD[path] -= 1
        return
    deadline = time.monotonic() + wait_seconds
    with path.open("w") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        with _HELD_GUARD:
            _HELD[path] = 1
        try:
            yield True
        finally:
            with _HELD_GUARD:
                del _HELD[path]
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_running(work_db: Path) -> bool:
    """True while another process holds the build lock of this working database."""
    with build_lock(work_db) as obtained:
        return not obtained


def load_sql(name: str) -> str:
    return (LIB_DIR / name).read_text(encoding="utf-8")


def run_script(
    con: duckdb.DuckDBPyConnection, name: str, parameters: Mapping[str, object] | None = None
) -> None:
    """Run each statement of a SQL file, binding only the named parameters that statement uses.

    `INSERT INTO <catalogued table> BY NAME <query>` rebuilds that table from the catalog (see rebuild_table),
    so a SQL-built table always has the catalog's columns, order and types.
    """
    parameters = parameters or {}
    for statement in split_statements(load_sql(name)):
        used = {key: parameters[key] for key in _PARAMETER.findall(statement)}
        fill = _FILL.search(statement)
        if fill is None:
            con.execute(statement, used or None)
        elif fill.group(1) in BY_NAME:
            rebuild_table(con, BY_NAME[fill.group(1)], fill.group(2), used)
        else:
            raise ValueError(f"{name}: {fill.group(1)} is not in the catalog, so it cannot be rebuilt")


def split_statements(script: str) -> list[str]:
    """Statements of a script whose statements each end with a semicolon at the end of a line."""
    return [part.strip() for part in re.split(r";\s*$", script, flags=re.MULTILINE) if part.strip()]
