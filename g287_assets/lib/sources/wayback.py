"""History from before g287's first run, rescued from the Internet Archive's Wayback Machine.

ICE overwrites its lists and keeps no archive, so the Wayback Machine's captures of ICE's 287(g) page and of
its spreadsheet URLs are the only record of the early lists. This module holds the pure parts of a backfill:
the CDX queries that list those captures and the parsing of their answers, the choice of which captures to
fetch, the conversion of the page's HTML table (ICE's only format before February 2025) into rows and an
xlsx the ordinary reader accepts, and the state file that makes a backfill resumable. The network loop
lives in `g287_assets.cli.backfill`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode, urljoin

from openpyxl import Workbook

from g287_assets.lib.files import write_atomically
from g287_assets.lib.settings import ICE_PAGE_URL
from g287_assets.lib.sources.download import list_kind_named_in, safe_file_name, url_file_name

WAYBACK_URL = "https://web.archive.org"
ICE_SPREADSHEET_FOLDERS = (
    "www.ice.gov/doclib/about/offices/ero/287g/",
    "www.ice.gov/file-download/download/public/",
)
HTML_TABLE_ERA_END = date(2025, 3, 1)
"""Page captures from before this day may hold ICE's list as an HTML table.

ICE's first spreadsheet was captured on 2025-02-21, yet the page still showed the table on 2025-02-19; the
first of March leaves that overlap in, and keeps the many later page captures (no table) out of the fetch.
"""
TABLE_HEADER = ("STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED", "MOA")
TABLE_SHEET_NAME = "287(g) Agreements"
CDX_PAGE_SIZE = 5000
CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest", "length")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = "page"
SPREADSHEET = "spreadsheet"


def wayback_base_url() -> str:
    """The archive's address (G287_WAYBACK_URL), without a trailing slash; its host is the only one used."""
    return os.environ.get("G287_WAYBACK_URL", WAYBACK_URL).rstrip("/")


@dataclass(frozen=True)
class CdxQuery:
    """One question to the CDX API: the captures of a URL (or of every URL under a folder)."""

    url: str
    kind: str
    prefix: bool = False
    until: date | None = None


@dataclass(frozen=True)
class Capture:
    """One capture listed by the CDX API, and what g287 expects it to hold (a page or a spreadsheet)."""

    timestamp: str
    original: str
    digest: str
    mimetype: str
    kind: str

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def cdx_queries() -> list[CdxQuery]:
    """ICE's 287(g) page (up to the end of its table era) and the folders its spreadsheets were served from.

    A prefix query on each folder finds the undated 2025 URLs, every dated name ICE ever used and the later
    file-download paths in one pass, without having to guess names.
    """
    page = CdxQuery(ICE_PAGE_URL.split("://", 1)[-1], PAGE, until=HTML_TABLE_ERA_END)
    return [page, *(CdxQuery(folder, SPREADSHEET, prefix=True) for folder in ICE_SPREADSHEET_FOLDERS)]


def cdx_request_url(base_url: str, query: CdxQuery, since: date | None, resume_key: str | None = None) -> str:
    """The CDX API address of one page of a query's answer (JSON, successful captures, adjacent repeats
    collapsed by digest, at most CDX_PAGE_SIZE rows, with a resume key when more remain)."""
    params: list[tuple[str, str]] = [
        ("url", query.url),
        ("matchType", "prefix" if query.prefix else "exact"),
        ("output", "json"),
        ("fl", ",".join(CDX_FIELDS)),
        ("filter", "statuscode:200"),
        ("collapse", "digest"),
        ("limit", str(CDX_PAGE_SIZE)),
        ("showResumeKey", "true"),
    ]
    if since is not None:
        params.append(("from", since.strftime("%Y%m%d")))
    if query.until is not None:
        params.append(("to", query.until.strftime("%Y%m%d")))
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{base_url}/cdx/search/cdx?{urlencode(params)}"


def parse_cdx_json(text: str, kind: str) -> tuple[list[Capture], str | None]:
    """The captures of one CDX JSON answer and its resume key (None when the answer is complete).

    The first row names the fields; an empty row, when present, separates the rows from the resume key.
    An empty answer (`[]` or nothing) has no captures.
    """
    rows = json.loads(text) if text.strip() else []
    if not rows:
        return [], None
    fields = rows[0]
    captures: list[Capture] = []
    resume_key = None
    body = rows[1:]
    for index, row in enumerate(body):
        if not row:
            following = body[index + 1] if index + 1 < len(body) else []
            resume_key = following[0] if following else None
            break
        values = dict(zip(fields, row))
        captures.append(
            Capture(
                values["timestamp"], values["original"], values["digest"], values.get("mimetype", ""), kind
            )
        )
    return captures, resume_key


def is_list_candidate(capture: Capture) -> bool:
    """Whether a capture may be an ICE list: a page in its table era, an .xlsx whose name says participating
    or pending (an HTML error page under such a name is fetched too, so the registry can record its
    rejection), or any capture the archive typed as a spreadsheet (ICE's newer extension-less file ids)."""
    if capture.kind == PAGE:
        return capture.captured_at.date() < HTML_TABLE_ERA_END
    name = url_file_name(capture.original)
    named_list = name.lower().endswith(".xlsx") and list_kind_named_in(name) is not None
    return named_list or capture.mimetype == XLSX_MEDIA_TYPE


def select_captures(
    captures: Iterable[Capture], since: date | None, known_digests: set[str]
) -> list[Capture]:
    """The captures to fetch, oldest first: candidates on or after `since`, one per content (the earliest
    capture of each digest, which dates it best), none whose content was already fetched or archived."""
    earliest: dict[str, Capture] = {}
    for capture in sorted(captures, key=lambda c: (c.timestamp, c.original)):
        if since is not None and capture.captured_at.date() < since:
            continue
        if capture.digest in known_digests or capture.digest in earliest or not is_list_candidate(capture):
            continue
        earliest[capture.digest] = capture
    return list(earliest.values())


def capture_url(base_url: str, capture: Capture) -> str:
    """The capture's original bytes: the `id_` form serves them without the archive's rewriting."""
    return f"{base_url}/web/{capture.timestamp}id_/{capture.original}"


def backfill_file_name(capture: Capture) -> str:
    """A name that carries the capture time and that `parse_file_name` reads as ICE would mean it.

    A converted page is `ParticipatingEntities-<timestamp>.xlsx`; an undated ICE name gets the timestamp
    (`participatingAgencies-20250221214937.xlsx`, dated by the capture); a dated ICE name keeps its date and
    label in front (`participatingAgencies03062025am-20250309003823.xlsx`, dated by ICE's name, as a list
    is published before it is captured); a name that says no kind starts with the timestamp.
    """
    if capture.kind == PAGE:
        return f"ParticipatingEntities-{capture.timestamp}.xlsx"
    stem = safe_file_name(Path(url_file_name(capture.original)).stem) or "file"
    if list_kind_named_in(stem) is None:
        return f"wayback-{capture.timestamp}-{stem}.xlsx"
    return f"{stem}-{capture.timestamp}.xlsx"


def wayback_digest(data: bytes) -> str:
    """The archive's content digest (base32 of the SHA-1), so bytes already held can be matched to captures."""
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


@dataclass(frozen=True)
class TableCell:
    """One cell of an HTML table: its visible text and the first link inside it."""

    text: str
    href: str | None


class _TableCollector(HTMLParser):
    """Collects every table as rows of cells; tolerates the end tags HTML lets authors leave out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[TableCell]]] = []
        self._row: list[TableCell] | None = None
        self._text: list[str] | None = None
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._close_row()
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._close_row()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._close_cell()
            self._text, self._href = [], None
        elif tag == "a" and self._text is not None and self._href is None:
            self._href = dict(attrs).get("href") or None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag in ("tr", "table"):
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._close_row()

    def _close_cell(self) -> None:
        if self._text is not None and self._row is not None:
            self._row.append(TableCell(" ".join("".join(self._text).split()), self._href))
        self._text, self._href = None, None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None and self.tables:
            self.tables[-1].append(self._row)
        self._row = None


def page_tables(page_html: str) -> list[list[list[TableCell]]]:
    """Every table of a page, as rows of cells."""
    collector = _TableCollector()
    collector.feed(page_html)
    collector.close()
    return collector.tables


def _column_positions(row: list[TableCell]) -> dict[str, int] | None:
    """Where each known column sits when the row is the agreements header (it names STATE and AGENCY)."""
    names = [cell.text.upper() for cell in row]
    if "STATE" not in names or "LAW ENFORCEMENT AGENCY" not in names:
        return None
    return {name: names.index(name) for name in TABLE_HEADER if name in names}


def _row_values(row: list[TableCell], positions: dict[str, int], page_url: str) -> list[str]:
    """A data row in TABLE_HEADER order; the MOA column holds its link's absolute address when it has one."""
    values = []
    for name in TABLE_HEADER:
        cell = row[positions[name]] if name in positions and positions[name] < len(row) else None
        if cell is None:
            values.append("")
        elif name == "MOA" and cell.href:
            values.append(urljoin(page_url, cell.href))
        else:
            values.append(cell.text)
    return values


def agreement_rows(page_html: str, page_url: str) -> list[list[str]] | None:
    """The agreements listed on a capture of ICE's page, in TABLE_HEADER order; None when it has no table.

    Every table whose header names STATE and LAW ENFORCEMENT AGENCY counts (a page split by model is read
    whole); repeated header rows and blank rows are dropped.
    """
    found = False
    rows: list[list[str]] = []
    for table in page_tables(page_html):
        positions = None
        for row in table:
            header = _column_positions(row)
            if header is not None:
                positions, found = header, True
            elif positions is not None and any(cell.text or cell.href for cell in row):
                rows.append(_row_values(row, positions, page_url))
    return rows if found else None


def table_xlsx(rows: list[list[str]]) -> bytes:
    """Page rows as an xlsx with the H1 header, so the page era goes through the ordinary reader.

    Every value is stored as text, as the page showed it: a cell starting with '=' stays text, never a
    formula, and an empty cell stays empty.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TABLE_SHEET_NAME
    for row_number, values in enumerate([list(TABLE_HEADER), *rows], start=1):
        for column, value in enumerate(values, start=1):
            if value:
                cell = sheet.cell(row=row_number, column=column, value=value)
                cell.data_type = "s"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class CaptureOutcome:
    """What a backfill made of one capture; kept in the state file so a re-run does not fetch it again."""

    timestamp: str
    original: str
    digest: str
    outcome: str  # 'saved' | 'known' | 'no table' | 'unavailable'
    file_name: str | None = None
    sha256: str | None = None
    reason: str | None = None


def load_state(path: Path) -> dict[str, CaptureOutcome]:
    """Outcomes of earlier backfills by digest ({} before the first run)."""
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8")).get("captures", [])
    return {entry["digest"]: CaptureOutcome(**entry) for entry in entries}


def save_state(path: Path, state: dict[str, CaptureOutcome]) -> None:
    """Write the state atomically, so an interrupted backfill leaves the previous state whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = sorted((asdict(entry) for entry in state.values()), key=lambda e: (e["timestamp"], e["digest"]))
    write_atomically(path, (json.dumps({"captures": entries}, indent=1) + "\n").encode("utf-8"))
