"""Small ICE-like workbooks built by tests: any header, rows, hyperlinks and extra sheets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

PARTICIPATING_HEADER = [
    "STATE",
    "LAW ENFORCEMENT AGENCY",
    "TYPE",
    "COUNTY",
    "SUPPORT TYPE",
    "SIGNED",
    "MOA",
    "ADDENDUM",
]
PENDING_HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"]


def write_workbook(
    path: Path,
    rows: list[list[object]],
    header: list[str] | None = None,
    links: dict[str, str] | None = None,
    extra_sheets: dict[str, list[list[object]]] | None = None,
) -> Path:
    """Write an xlsx whose first sheet is `header` + `rows`; `links` maps cell refs (e.g. 'G2') to URLs."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(header if header is not None else PARTICIPATING_HEADER)
    for row in rows:
        sheet.append(row)
    for ref, url in (links or {}).items():
        sheet[ref].hyperlink = url
    for name, extra_rows in (extra_sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in extra_rows:
            extra.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def agreement(
    agency: str,
    model: str = "Task Force Model",
    signed: object = dt.datetime(2025, 2, 1),
    state: str = "TEXAS",
    level: str = "County",
    county: str = "Bexar County",
) -> list[object]:
    """One participating row in ICE's column order."""
    return [state, agency, level, county, model, signed, "link", ""]
