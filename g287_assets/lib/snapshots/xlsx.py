"""Reading one ICE spreadsheet: the list's sheet, its header, its rows verbatim, and its hyperlinks.

python-calamine reads the cells (several times faster than openpyxl); the hyperlink targets of MOA and
ADDENDUM cells, which calamine does not expose, are read straight from the sheet's XML parts.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

# Every column ICE has used, under the name g287 stores it.
COLUMNS = {
    "STATE": "state",
    "LAW ENFORCEMENT AGENCY": "agency",
    "TYPE": "type",
    "COUNTY": "county",
    "SUPPORT TYPE": "support_type",
    "SIGNED": "signed",
    "MOA": "moa",
    "ADDENDUM": "addendum",
}
REQUIRED_COLUMNS = ("STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE")

# The header variants documented in the archive's provenance, by code.
KNOWN_HEADERS = {
    ("STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED", "MOA"): "H1",
    ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"): "H2",
    ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"): "H3",
    ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"): "H4",
    ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"): "H5",
    ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE"): "H6",
    ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "MOA"): "H7",
}

# Bounds that keep a hostile file from exhausting memory or time.
MAX_ROWS = 100_000
MAX_CELL_CHARS = 2_000
# ICE's largest workbook inflates to under 2 MB, its best-compressed part by about 12 to 1; these bounds
# leave ample room for growth yet refuse a zip bomb before calamine inflates a single part.
MAX_UNCOMPRESSED_BYTES = 200_000_000
MAX_COMPRESSION_RATIO = 100
_RATIO_CHECKED_FROM = 1_000_000  # small parts (styles, a short header) compress far better than data
# A sheet part smaller than MAX_ROWS of the shortest row element ("<row/>") cannot exceed MAX_ROWS.
_SMALLEST_ROW_BYTES = len(b"<row/>")
_ROW_TAG = re.compile(rb"<(?:\w{1,16}:)?row[\s/>]")
_ROW_TAG_MAX_BYTES = 32
_INFLATE_CHUNK = 1 << 20
_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")

_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pkg": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_HYPERLINKS = re.compile(rb"<(?:\w+:)?hyperlinks>.*?</(?:\w+:)?hyperlinks>", re.DOTALL)
# Attributes are read with patterns: the fragment's namespace prefixes are declared elsewhere in the part.
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\s([^>]*)>")
_REF = re.compile(rb'\bref="([^"]+)"')
_REL_ID = re.compile(rb'\s(?:\w+:)?id="([^"]+)"')
# A URL wrapped inside another (web archive, browser PDF viewer): the innermost http(s) address.
_EMBEDDED_URL = re.compile(r"^(?:https?://web\.archive\.org/web/\d+[a-z_]*/|[a-z-]+://[^/]+/)(https?:/.+)$")
_ONE_SLASH = re.compile(r"^(https?:)/(?!/)")
_PLAIN_HTTP_ICE = re.compile(r"^http://(?=(?:www\.)?ice\.gov/)")


class SpreadsheetError(ValueError):
    """A file that cannot be read as an ICE list; the message names the file and what was found."""


@dataclass(frozen=True)
class RawRow:
    """One data row as ICE wrote it: every cell as text, with where it stood."""

    row_number: int
    cells: dict[str, str | None]
    signed_cell_type: str
    moa_link: str | None = None
    addendum_link: str | None = None


@dataclass
class RawTable:
    """The list found in a workbook, and what else the workbook held."""

    sheet_name: str
    header: list[str]
    header_code: str
    rows: list[RawRow]
    blank_rows_inside: int = 0
    ignored_sheets: list[str] = field(default_factory=list)

    @property
    def has_signed(self) -> bool:
        return "SIGNED" in self.header


def cell_text(value: object) -> tuple[str | None, str]:
    """A cell as verbatim text plus its type: dates as ISO text, whole numbers without '.0'."""
    if type(value) is str and value:  # nearly every cell: checked first
        return value[:MAX_CELL_CHARS], "text"
    if value is None or value == "":
        return None, "empty"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(), "date"
    if isinstance(value, dt.date):
        return value.isoformat(), "date"
    if isinstance(value, bool):
        return str(value).upper(), "text"
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), "number"
    if isinstance(value, int):
        return str(value), "number"
    text = str(value)
    return text[:MAX_CELL_CHARS], "text"


def header_code(header: list[str], file_label: str) -> str:
    """The provenance code of a header, or an error naming the file and the columns found."""
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if unknown or missing or duplicated:
        problems = []
        if unknown:
            problems.append(f"unknown columns {unknown}")
        if missing:
            problems.append(f"missing columns {missing}")
        if duplicated:
            problems.append(f"repeated columns {duplicated}")
        raise SpreadsheetError(f"{file_label}: unrecognized header {header}: {'; '.join(problems)}")
    return KNOWN_HEADERS.get(tuple(header), "new variant")


def _header_of(first_row: list[object]) -> list[str]:
    names = [(cell_text(value)[0] or "").strip().upper() for value in first_row]
    while names and not names[-1]:
        names.pop()
    return names


def _is_list_header(first_row: list[object]) -> bool:
    names = set(_header_of(first_row))
    return {"STATE", "LAW ENFORCEMENT AGENCY"} <= names


def check_container(path: Path, label: str) -> None:
    """Refuse a workbook whose parts would exhaust memory or time, before any part is fully inflated.

    Declared sizes and compression ratios catch a zip bomb from the zip's directory alone; a sheet large
    enough to hold more than MAX_ROWS rows has its row elements counted while streaming, so a million-row
    sheet is refused without calamine materializing it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            _check_declared_sizes(parts, label)
            for part in parts:
                if (
                    _WORKSHEET_PART.fullmatch(part.filename)
                    and part.file_size > (MAX_ROWS + 1) * _SMALLEST_ROW_BYTES
                ):
                    _check_row_count(archive, part, label)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as error:
        raise SpreadsheetError(f"{label}: not a readable xlsx workbook ({error})") from error


def _check_declared_sizes(parts: list[zipfile.ZipInfo], label: str) -> None:
    total = sum(part.file_size for part in parts)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise SpreadsheetError(
            f"{label}: refused: its parts declare {total:,} bytes uncompressed, more than "
            f"{MAX_UNCOMPRESSED_BYTES:,} (a zip bomb, not an ICE list)"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise SpreadsheetError(
                f"{label}: refused: part {part.filename} inflates {ratio:,.0f} to 1 ({part.file_size:,} bytes), "
                f"more than {MAX_COMPRESSION_RATIO} to 1 (a zip bomb, not an ICE list)"
            )


def _check_row_count(archive: zipfile.ZipFile, part: zipfile.ZipInfo, label: str) -> None:
    """Count a sheet's row elements chunk by chunk, stopping as soon as there are too many."""
    rows = 0
    carry = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_INFLATE_CHUNK):
            data = carry + chunk
            # A tag starting in the last few bytes may be cut; it is counted with the next chunk.
            boundary = max(len(data) - _ROW_TAG_MAX_BYTES, 0)
            rows += sum(1 for tag in _ROW_TAG.finditer(data) if tag.start() < boundary)
            carry = data[boundary:]
            if rows > MAX_ROWS + 1:
                break
    rows += len(_ROW_TAG.findall(carry))
    if rows > MAX_ROWS + 1:
        raise SpreadsheetError(f"{label}: more than {MAX_ROWS:,} rows in {part.filename}; not an ICE list")


def _open(path: Path, label: str) -> CalamineWorkbook:
    check_container(path, label)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several types for corrupt input
        raise SpreadsheetError(f"{label}: not a readable xlsx workbook ({error})") from error


def _find_list_sheet(
    workbook: CalamineWorkbook, label: str, nrows: int | None
) -> tuple[str, list, list[str]]:
    """The first sheet whose first row names STATE and LAW ENFORCEMENT AGENCY, its rows, and the other sheets."""
    chosen: tuple[str, list] | None = None
    ignored: list[str] = []
    first_rows: dict[str, list[str]] = {}
    for sheet_name in workbook.sheet_names:
        try:
            rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False, nrows=nrows)
        except Exception as error:  # a damaged sheet part
            raise SpreadsheetError(f"{label}: sheet {sheet_name!r} cannot be read ({error})") from error
        if chosen is None and rows and _is_list_header(rows[0]):
            chosen = (sheet_name, rows)
            continue
        first_rows[sheet_name] = _header_of(rows[0]) if rows else []
        ignored.append(sheet_name)
    if chosen is None:
        raise SpreadsheetError(f"{label}: no sheet has an ICE list header; first rows found: {first_rows}")
    return chosen[0], chosen[1], ignored


def list_header(path: Path, file_label: str | None = None) -> tuple[str, str]:
    """Check that a workbook holds an ICE list, reading only first rows: (sheet name, header code)."""
    label = file_label or path.name
    sheet_name, rows, _ = _find_list_sheet(_open(path, label), label, nrows=1)
    return sheet_name, header_code(_header_of(rows[0]), label)


def read_table(path: Path, file_label: str | None = None) -> RawTable:
    """Read the agency list of one workbook, with hyperlinks; raise SpreadsheetError with a clear reason."""
    label = file_label or path.name
    sheet_name, rows, ignored = _find_list_sheet(_open(path, label), label, nrows=MAX_ROWS + 2)
    if len(rows) > MAX_ROWS + 1:
        raise SpreadsheetError(f"{label}: more than {MAX_ROWS:,} rows; not an ICE list")
    header = _header_of(rows[0])
    code = header_code(header, label)
    links = read_hyperlinks(path, sheet_name)
    column_letters = {name: _column_letter(index) for index, name in enumerate(header)}

    data: list[RawRow] = []
    blank_run = 0
    blank_inside = 0
    for offset, values in enumerate(rows[1:], start=2):
        texts = {name: cell_text(values[i] if i < len(values) else None) for i, name in enumerate(header)}
        if all(text is None or not text.strip() for text, _ in texts.values()):
            blank_run += 1
            continue
        blank_inside += blank_run
        blank_run = 0
        data.append(
            RawRow(
                row_number=offset,
                cells={COLUMNS[name]: text for name, (text, _) in texts.items()},
                signed_cell_type=texts["SIGNED"][1] if "SIGNED" in texts else "absent",
                moa_link=links.get(f"{column_letters['MOA']}{offset}") if "MOA" in header else None,
                addendum_link=(
                    links.get(f"{column_letters['ADDENDUM']}{offset}") if "ADDENDUM" in header else None
                ),
            )
        )
    return RawTable(sheet_name, header, code, data, blank_inside, ignored)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip path of a sheet's XML, found through the workbook and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("pkg:Relationship", _NS)}
    for sheet in workbook.iterfind("main:sheets/main:sheet", _NS):
        if sheet.get("name") == sheet_name:
            target = targets.get(sheet.get(f"{{{_NS['rel']}}}id"), "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def read_hyperlinks(path: Path, sheet_name: str) -> dict[str, str]:
    """Hyperlink targets of a sheet by cell reference (e.g. {'G2': 'https://...'}), verbatim."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None or part not in archive.namelist():
                return {}
            block = _HYPERLINKS.search(archive.read(part))
            if block is None:
                return {}
            rels_part = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
            targets: dict[str, str] = {}
            if rels_part in archive.namelist():
                rels = ElementTree.fromstring(archive.read(rels_part))
                targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("pkg:Relationship", _NS)}
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return {}
    links = {}
    for attributes in _HYPERLINK.findall(block.group(0)):
        ref = _REF.search(attributes)
        rel_id = _REL_ID.search(attributes)
        target = targets.get(rel_id.group(1).decode()) if rel_id else None
        if ref and target:
            links[ref.group(1).decode().split(":")[0]] = target
    return links


@functools.lru_cache(maxsize=65_536)
def unwrap_url(url: str) -> str:
    """The real address behind a link as ICE stored it.

    ICE's cells hold Outlook safelinks, web-archive capture URLs, a PDF viewer's `chrome-extension://.../https:/...`
    prefix, `https:/` with one slash, and plain http for its own https host.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.netloc.endswith("safelinks.protection.outlook.com"):
        inner = parse_qs(parts.query).get("url")
        if inner:
            url = inner[0]
    embedded = _EMBEDDED_URL.search(url)
    if embedded:
        url = embedded.group(1)
    url = _ONE_SLASH.sub(r"\1//", url)
    return _PLAIN_HTTP_ICE.sub("https://", url)
