"""Work done again only when what it is made from changed.

A figure, the report and the exports are functions of some tables, of the code that draws them and of a few
files (reference tables, scenario presets, county boundaries); the agencies' jurisdictions are a function of
the agencies as listed, the Census sources, the reviewed overrides and the code. A fingerprint hashes those
inputs; when it equals the one recorded the last time the work was done, and what it made is still there,
doing it again would make the same thing, so it is skipped. A rebuild after a correction that changes no
published row then costs no rendering and no matching.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import duckdb

from g287_assets.lib.files import write_atomically

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
CODE_SUFFIXES = {".py", ".sql", ".j2", ".js", ".css"}
LEDGER_NAME = ".made_from.json"


def tables_fingerprint(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> list[str]:
    """Each table's rows and an order-free sum of its rows' hashes, as computed by DuckDB."""
    return [
        f"{name}:{count}:{total}"
        for name in sorted(tables)
        for count, total in [
            con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {name} AS t").fetchone()
        ]
    ]


def files_fingerprint(paths: Iterable[Path]) -> list[str]:
    """Every file below the given files and folders (absent ones too), by name and content: the same files
    read from another folder (a copy of the reference tables) make the same fingerprint."""
    found = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "absent"
            name = file.relative_to(path).as_posix() if path.is_dir() else file.name
            found.append(f"{name}:{digest}")
    return found


def code_fingerprint() -> list[str]:
    """The package's own source: a change of how an output is drawn makes it again."""
    return [
        f"{path.relative_to(PACKAGE_ROOT).as_posix()}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
        for path in sorted(PACKAGE_ROOT.rglob("*"))
        if path.suffix in CODE_SUFFIXES and path.is_file()
    ]


def fingerprint(con: duckdb.DuckDBPyConnection, tables: Iterable[str], files: Iterable[Path] = ()) -> str:
    parts = [*tables_fingerprint(con, tables), *files_fingerprint(files), *code_fingerprint()]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


class Ledger:
    """What each output was last made from, kept with the working database (data/work/.made_from.json)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LEDGER_NAME

    def _read(self) -> dict[str, dict]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def unchanged(self, output: str, made_from: str, files: Iterable[Path]) -> dict | None:
        """The recorded entry (with what it noted) when the output was made from the same inputs and its files
        are all there; None when it must be made."""
        entry = self._read().get(output)
        if entry and entry.get("made_from") == made_from and all(Path(file).is_file() for file in files):
            return entry
        return None

    def record(self, output: str, made_from: str, made_at: str, notes: dict | None = None) -> None:
        entries = self._read()
        entries[output] = {"made_from": made_from, "made_at": made_at, "notes": notes or {}}
        write_atomically(self.path, json.dumps(entries, indent=1, sort_keys=True).encode("utf-8"))
