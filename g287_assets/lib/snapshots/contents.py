"""What each registered file holds, as rows of the raw tables: its import record, its verbatim rows, and
the facts and date decided for its content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from g287_assets.lib.settings import SHIPPED_DIR
from g287_assets.lib.snapshots.dating import dated_overrides, decide_date, newest_signing
from g287_assets.lib.snapshots.filenames import parse_file_name, snapshot_moment
from g287_assets.lib.snapshots.registry import ImportRecord, archived_path, load_imports, read_archived
from g287_assets.lib.snapshots.shipped import ShippedHistory
from g287_assets.lib.snapshots.xlsx import RawTable, SpreadsheetError, read_table
from g287_assets.lib.warehouse import catalog


def imports_frame(records: list[ImportRecord]) -> pd.DataFrame:
    rows = []
    for seq, record in enumerate(records, start=1):
        info = parse_file_name(record.file_name)
        sidecar = record.sidecar or {}
        rows.append(
            {
                "import_seq": seq,
                "sha256": record.sha256,
                "file_name": record.file_name,
                "source_path": record.source_path,
                "imported_at": pd.Timestamp(record.imported_at),
                "outcome": record.outcome,
                "snapshot_key": record.snapshot_key,
                "reason": record.reason,
                "named_date": info.named_date,
                "name_label": info.label,
                "name_kind": info.kind_hint,
                "name_problem": info.problem,
                "sidecar_url": sidecar.get("url"),
                "sidecar_fetched_at": pd.Timestamp(sidecar["fetched_at"])
                if sidecar.get("fetched_at")
                else None,
                "alias_note": None,
            }
        )
    return pd.DataFrame(rows, columns=catalog.FILE_IMPORTS.column_names)


RAW_VALUE_NAMES = ["state", "agency", "type", "county", "support_type", "signed", "moa", "addendum"]


def rows_frame(key: str, table: RawTable) -> pd.DataFrame:
    """One snapshot's rows as the raw.rows frame; columns the file lacks are NULL."""
    rows = table.rows
    columns = {name: [row.cells.get(name) for row in rows] for name in RAW_VALUE_NAMES}
    return pd.DataFrame(
        {
            "snapshot_key": key,
            "sheet_name": table.sheet_name,
            "row_number": [row.row_number for row in rows],
            **columns,
            "signed_cell_type": [row.signed_cell_type for row in rows],
            "moa_link": [row.moa_link for row in rows],
            "addendum_link": [row.addendum_link for row in rows],
        },
        index=range(len(rows)),
    )


def read_list(
    archive: Path, shipped: ShippedHistory | None, key: str, sha256: str, file_label: str
) -> tuple[RawTable | None, pd.DataFrame, str | None]:
    """A snapshot's worksheet, rows (the raw.rows frame) and read error: from its archived xlsx when the
    archive holds one, else from the shipped history, which holds the same cells of the same bytes."""
    if shipped is not None and not archived_path(archive, sha256).exists() and shipped.holds(sha256):
        table, rows, error = shipped.read(sha256)
        return table, rows.assign(snapshot_key=key)[catalog.RAW_ROWS.column_names], error
    try:
        table = read_table(read_archived(archive, sha256), file_label=file_label)
    except SpreadsheetError as problem:
        return None, pd.DataFrame(columns=catalog.RAW_ROWS.column_names), str(problem)
    return table, rows_frame(key, table), None


def contents_row(
    key: str,
    sha256: str,
    table: RawTable | None,
    frame: pd.DataFrame,
    names: list[ImportRecord],
    error: str | None,
    date_override: tuple[dt.date, str] | None = None,
) -> dict:
    """What a snapshot's file holds and the date decided for it from its names and its rows."""
    newest = newest_signing(frame)
    decision, label, _ = decide_date(names, newest, dt.date.today(), date_override)
    return {
        "snapshot_key": key,
        "sha256": sha256,
        "sheet_name": table.sheet_name if table else None,
        "header": " | ".join(table.header) if table else None,
        "header_code": table.header_code if table else None,
        "ignored_sheets": ", ".join(table.ignored_sheets) if table and table.ignored_sheets else None,
        "data_rows": len(frame),
        "blank_rows_inside": table.blank_rows_inside if table else 0,
        "content_kind": ("participating" if table.has_signed else "pending") if table else "unknown",
        "newest_signed": newest,
        "snapshot_date": decision.snapshot_date,
        "snapshot_at": snapshot_moment(decision.snapshot_date, label) if decision.snapshot_date else None,
        "label": label,
        "date_basis": decision.basis,
        "date_flag": decision.flag,
        "date_usable": decision.usable,
        "read_error": error,
        "read_at": dt.datetime.now(),
    }


@dataclass(frozen=True)
class SnapshotRead:
    """One snapshot as read: its file, its rows (the raw.rows frame), its raw.snapshot_contents row."""

    key: str
    sha256: str
    file_name: str
    rows: pd.DataFrame
    contents: dict
    error: str | None


class UnregisteredSnapshot(LookupError):
    """A partition whose snapshot is not in the archive's import log."""


def read_snapshots(archive: Path, keys: list[str], overrides: pd.DataFrame) -> Iterator[SnapshotRead]:
    """Each snapshot's rows and contents, read one at a time in the order of `keys`, with the date decided from
    all its names. Raises UnregisteredSnapshot at once, before reading, if a key has no registered file."""
    date_overrides = dated_overrides(overrides)
    names_by_key: dict[str, list[ImportRecord]] = {}
    for record in load_imports(archive):
        if record.snapshot_key and record.outcome in ("snapshot", "alias"):
            names_by_key.setdefault(record.snapshot_key, []).append(record)
    missing = [key for key in keys if not names_by_key.get(key)]
    if missing:
        raise UnregisteredSnapshot(
            f"snapshot {missing[0]} is not in the archive's import log; register its file first"
        )

    def read() -> Iterator[SnapshotRead]:
        shipped = None  # opened the first time a snapshot has no xlsx in the archive
        for key in keys:
            names = names_by_key[key]
            sha256 = names[0].sha256
            if shipped is None and not archived_path(archive, sha256).exists():
                shipped = ShippedHistory(SHIPPED_DIR)
            table, frame, error = read_list(archive, shipped, key, sha256, names[0].file_name)
            contents = contents_row(key, sha256, table, frame, names, error, date_overrides.get(sha256))
            yield SnapshotRead(key, sha256, names[0].file_name, frame, contents, error)

    return read()
