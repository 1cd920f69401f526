"""What the project ships in data/shipped/, so that a fresh clone builds the whole history offline.

ICE overwrites its spreadsheets: the history g287 keeps cannot be downloaded again, and the Wayback Machine
holds only part of it. `g287 pack` writes, from a database built from the xlsx archive:

- `lists.parquet`: ICE's cells verbatim (the raw.rows columns, hyperlink targets included), one row per data
  row of every distinct list, keyed by the file's sha256. The lists repeat from one to the next, so 250,000
  rows take well under a megabyte.
- `lists.csv`: one row per distinct list (sha256): the worksheet's shape (sheet, header, ignored sheets, blank
  rows inside, read error), its rows, and, for readers, the snapshot key, date and how the date was decided.
- `names.csv`: every name each list was seen under, in registration order, with the downloader's sidecar:
  a build decides dates from these names exactly as it does from the files.
- `census/<source>.parquet`: what each Census reader of lib/census.py returns (only the rows and columns the
  geography uses), with the source file's URL and sha256.
- `counties-10m.json.gz`: the county boundaries the map draws (us-atlas 2023, ISC licence beside it).
- `manifest.json`: every shipped file's sha256 and rows; a file that does not match is refused.

A build registers the shipped lists through the same registry as files (content decides: the xlsx of a shipped
list offered later is an alias, never a second snapshot) and reads their rows from here instead of an xlsx.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from g287_assets.lib.files import file_sha256, write_atomically
from g287_assets.lib.snapshots.xlsx import RawTable

MANIFEST = "manifest.json"
LISTS_ROWS = "lists.parquet"
LISTS = "lists.csv"
NAMES = "names.csv"
CENSUS_FOLDER = "census"
BOUNDARIES = "counties-10m.json.gz"
BOUNDARIES_LICENCE = "LICENSE-us-atlas"
# Registry source paths of shipped names: never a real path, so a file offered later is told apart.
SOURCE_PREFIX = "shipped:"

ROW_COLUMNS = [
    "sheet_name",
    "row_number",
    "state",
    "agency",
    "type",
    "county",
    "support_type",
    "signed",
    "signed_cell_type",
    "moa",
    "addendum",
    "moa_link",
    "addendum_link",
]
LIST_COLUMNS = [
    "sha256",
    "sheet_name",
    "header",
    "header_code",
    "ignored_sheets",
    "blank_rows_inside",
    "read_error",
    "data_rows",
    "snapshot_key",
    "snapshot_date",
    "date_basis",
]
NAME_COLUMNS = ["sha256", "file_name", "outcome", "sidecar"]


class ShippedError(RuntimeError):
    """The shipped files are missing, altered or inconsistent (a checkout without them, an edited file)."""


@dataclass(frozen=True)
class ShippedName:
    """One name a shipped list was seen under, as the registry records it."""

    sha256: str
    file_name: str
    outcome: str  # 'snapshot' (the first name of the content) or 'alias'
    sidecar: dict | None

    @property
    def source_path(self) -> str:
        return f"{SOURCE_PREFIX}{self.file_name}"


class ShippedHistory:
    """The shipped folder, verified against its manifest before anything in it is read."""

    def __init__(self, folder: Path):
        self.folder = folder
        manifest = folder / MANIFEST
        if not manifest.is_file():
            raise ShippedError(f"no shipped history at {folder} (expected {manifest}); run `g287 pack`")
        self.manifest = json.loads(manifest.read_text(encoding="utf-8"))
        for name, entry in self.manifest["files"].items():
            path = folder / name
            if not path.is_file():
                raise ShippedError(f"the shipped file {path} is missing")
            if file_sha256(path) != entry["sha256"]:
                raise ShippedError(
                    f"the shipped file {path} does not match its manifest (sha256 {entry['sha256']}): "
                    "restore it from git, or regenerate the folder with `g287 pack`"
                )

    @cached_property
    def names(self) -> list[ShippedName]:
        frame = _read_csv(self.folder / NAMES)
        return [
            ShippedName(
                row.sha256, row.file_name, row.outcome, json.loads(row.sidecar) if row.sidecar else None
            )
            for row in frame.itertuples()
        ]

    @cached_property
    def lists(self) -> pd.DataFrame:
        return _read_csv(self.folder / LISTS).set_index("sha256", drop=False)

    @cached_property
    def _shapes(self) -> dict[str, tuple]:
        return {row.sha256: row for row in self.lists.itertuples(index=False)}

    @cached_property
    def _rows(self) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
        """Every row, and where each list's rows start and stop (they are stored list by list)."""
        rows = pd.read_parquet(self.folder / LISTS_ROWS)
        sha256 = rows["sha256"].to_numpy()
        starts = [0, *(index for index in range(1, len(sha256)) if sha256[index] != sha256[index - 1])]
        stops = [*starts[1:], len(sha256)]
        return rows[ROW_COLUMNS], {sha256[start]: (start, stop) for start, stop in zip(starts, stops)}

    def holds(self, sha256: str) -> bool:
        return sha256 in self._shapes

    def read(self, sha256: str) -> tuple[RawTable | None, pd.DataFrame, str | None]:
        """(the worksheet's shape, its rows as raw.rows columns without snapshot_key, the read error)."""
        shape = self._shapes[sha256]
        rows, spans = self._rows
        start, stop = spans.get(sha256, (0, 0))
        rows = rows.iloc[start:stop].reset_index(drop=True)
        if shape.read_error:
            return None, rows, shape.read_error
        table = RawTable(
            sheet_name=shape.sheet_name,
            header=shape.header.split(" | ") if shape.header else [],
            header_code=shape.header_code,
            rows=[],
            blank_rows_inside=int(shape.blank_rows_inside),
            ignored_sheets=shape.ignored_sheets.split(", ") if shape.ignored_sheets else [],
        )
        return table, rows, None

    def census_frame(self, source: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder / CENSUS_FOLDER / f"{source}.parquet")

    def census_source(self, source: str) -> dict:
        """The manifest's record of a Census source: url, source sha256, rows, packed_at."""
        return self.manifest["census"][source]

    def boundaries(self) -> dict:
        return json.loads(gzip.decompress((self.folder / BOUNDARIES).read_bytes()))

    @property
    def last_list_date(self) -> str:
        return self.manifest["history"]["last_list_date"]


def _read_csv(path: Path) -> pd.DataFrame:
    """Text as text (no NA guessing: an empty cell is an empty string), the way it was written."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


# ---- packing ----------------------------------------------------------------------------------------------

_LISTS_SQL = """
SELECT c.sha256, c.sheet_name, c.header, c.header_code, c.ignored_sheets, c.blank_rows_inside, c.read_error,
       c.data_rows, c.snapshot_key, c.snapshot_date, c.date_basis
FROM raw.snapshot_contents c
JOIN (SELECT snapshot_key, min(import_seq) AS seq FROM raw.file_imports GROUP BY ALL) i USING (snapshot_key)
ORDER BY i.seq
"""

_NAMES_SQL = """
SELECT sha256, file_name, outcome, import_seq FROM raw.file_imports
WHERE outcome IN ('snapshot', 'alias') ORDER BY import_seq
"""

_ROWS_SQL = """
COPY (
    SELECT c.sha256, {columns}
    FROM raw.rows r JOIN raw.snapshot_contents c USING (snapshot_key)
    JOIN (SELECT snapshot_key, min(import_seq) AS seq FROM raw.file_imports GROUP BY ALL) i USING (snapshot_key)
    ORDER BY i.seq, r.row_number
) TO '{path}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19, ROW_GROUP_SIZE 1000000)
"""


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomically(path, frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def pack_history(con: duckdb.DuckDBPyConnection, sidecars: dict[int, dict], folder: Path) -> dict:
    """Write lists.parquet, lists.csv and names.csv from a built database; returns the history's summary.

    `sidecars` maps raw.file_imports.import_seq to the downloader's sidecar of that import (the registry's
    log keeps them whole; the database keeps only the URL and time).
    """
    folder.mkdir(parents=True, exist_ok=True)
    lists = con.execute(_LISTS_SQL).df()
    _write_csv(lists, folder / LISTS)
    names = con.execute(_NAMES_SQL).df()
    names["sidecar"] = [
        json.dumps(sidecars[seq], sort_keys=True) if sidecars.get(seq) else "" for seq in names["import_seq"]
    ]
    _write_csv(names[NAME_COLUMNS], folder / NAMES)
    partial = folder / f".{LISTS_ROWS}.part"
    columns = ", ".join(f"r.{column}" for column in ROW_COLUMNS)
    con.execute(_ROWS_SQL.format(columns=columns, path=str(partial).replace("'", "''")))
    partial.replace(folder / LISTS_ROWS)
    dates = pd.to_datetime(lists["snapshot_date"]).dropna()
    return {
        "lists": len(lists),
        "names": len(names),
        "rows": int(lists["data_rows"].sum()),
        "first_list_date": dates.min().date().isoformat() if len(dates) else None,
        "last_list_date": dates.max().date().isoformat() if len(dates) else None,
    }


def pack_census(frames: dict[str, pd.DataFrame], sources: dict[str, dict], folder: Path) -> dict[str, dict]:
    """Each Census reader's frame as Parquet, with its source (url, sha256) for the manifest."""
    (folder / CENSUS_FOLDER).mkdir(parents=True, exist_ok=True)
    packed = {}
    for name, frame in frames.items():
        frame.to_parquet(folder / CENSUS_FOLDER / f"{name}.parquet", index=False, compression="zstd")
        packed[name] = {**sources[name], "rows": len(frame)}
    return packed


def pack_boundaries(topology_path: Path, licence_path: Path | None, folder: Path) -> dict:
    data = topology_path.read_bytes()
    write_atomically(folder / BOUNDARIES, gzip.compress(data, compresslevel=9, mtime=0))
    if licence_path is not None and licence_path.is_file():
        write_atomically(folder / BOUNDARIES_LICENCE, licence_path.read_bytes())
    return {"file": topology_path.name, "sha256": file_sha256(topology_path), "bytes": len(data)}


def write_manifest(folder: Path, history: dict, census: dict, boundaries: dict) -> dict:
    """Hash every shipped file last, so the manifest describes exactly what is on disk."""
    files = {
        str(path.relative_to(folder)): {"sha256": file_sha256(path), "bytes": path.stat().st_size}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST and not path.name.startswith(".")
    }
    manifest = {
        "packed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "history": history,
        "census": census,
        "boundaries": boundaries,
        "files": files,
    }
    write_atomically(folder / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return manifest
