"""Workbooks written part by part, for files no spreadsheet library would produce.

openpyxl refuses control characters, cannot write a sheet whose XML inflates to gigabytes, and is slow at a
million rows; writing the few XML parts of an xlsx directly makes each hostile file exact, small and fast.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from g287_assets_tests.workbooks import PARTICIPATING_HEADER

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
</Relationships>"""
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def text_cell(text: str) -> str:
    """An inline-string cell; `_xHHHH_` escapes (how Excel stores control characters) pass through."""
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def formula_cell(formula: str, cached: str | None) -> str:
    """A formula cell with (or without) the value Excel last computed for it."""
    value = f"<v>{escape(cached)}</v>" if cached is not None else ""
    return f'<c t="str"><f>{escape(formula)}</f>{value}</c>'


def sheet_rows(rows: Iterable[list[str]]) -> Iterator[str]:
    """Rows of plain text cells, as `<row>` elements numbered from 1."""
    for number, row in enumerate(rows, start=1):
        yield f'<row r="{number}">{"".join(text_cell(value) for value in row)}</row>'


def write_parts(
    path: Path,
    row_elements: Iterable[str],
    *,
    dimension: str | None = None,
    extra_parts: dict[str, bytes] | None = None,
) -> Path:
    """An xlsx of one sheet holding the given `<row>` elements, streamed into the zip part by part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for element in row_elements:
                sheet.write(element.encode())
            sheet.write(b"</sheetData></worksheet>")
        for name, data in (extra_parts or {}).items():
            archive.writestr(name, data)
    return path


def list_rows(rows: Iterable[list[str]], header: list[str] = PARTICIPATING_HEADER) -> Iterator[str]:
    """An ICE list: the header row, then the given rows."""
    return sheet_rows([header, *rows])


def write_zip_bomb(path: Path, inflated_gib: int = 2) -> Path:
    """An xlsx of a few megabytes whose sheet XML inflates to `inflated_gib` GiB of blanks after the header.

    The deflate stream is made by hand: after a full flush a compressor emits the same bytes for the same
    input, so one compressed mebibyte of blanks repeated is a valid stream, with a true CRC and size, that
    a naive reader would inflate in full.
    """
    mebibyte = b" " * (1 << 20)
    repeats = inflated_gib << 10
    head = (SHEET_START + "<sheetData>" + "".join(list_rows([]))).encode()
    tail = b"</sheetData></worksheet>"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_block = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    blank_block = compressor.compress(mebibyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail_block = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(mebibyte, crc)
    crc = zlib.crc32(tail, crc)
    sheet = _Part(
        "xl/worksheets/sheet1.xml",
        [head_block, *[blank_block] * repeats, tail_block],
        crc,
        len(head) + repeats * len(mebibyte) + len(tail),
    )
    small = [_Part.deflated(name, text.encode()) for name, text in _PACKAGE_PARTS]
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_zip(path, [*small, sheet])
    return path


_PACKAGE_PARTS = (
    ("[Content_Types].xml", CONTENT_TYPES),
    ("_rels/.rels", PACKAGE_RELS),
    ("xl/workbook.xml", WORKBOOK),
    ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
)


@dataclass(frozen=True)
class _Part:
    """One zip member as raw deflate blocks, with the CRC and size of what they inflate to."""

    name: str
    blocks: list[bytes]
    crc: int
    size: int

    @classmethod
    def deflated(cls, name: str, data: bytes) -> _Part:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return cls(name, [compressor.compress(data) + compressor.flush()], zlib.crc32(data), len(data))

    @property
    def compressed_size(self) -> int:
        return sum(len(block) for block in self.blocks)


def _write_zip(path: Path, parts: list[_Part]) -> None:
    """A plain (not zip64) zip of deflated members: local headers and data, central directory, end record."""
    directory = b""
    with path.open("wb") as stream:
        for part in parts:
            offset = stream.tell()
            name = part.name.encode()
            sizes = struct.pack("<III", part.crc, part.compressed_size, part.size)
            stream.write(struct.pack("<IHHHHH", 0x04034B50, 20, 0, 8, 0, 0) + sizes)
            stream.write(struct.pack("<HH", len(name), 0) + name)
            for block in part.blocks:
                stream.write(block)
            directory += struct.pack("<IHHHHHH", 0x02014B50, 20, 20, 0, 8, 0, 0) + sizes
            directory += struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset) + name
        start = stream.tell()
        stream.write(directory)
        stream.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), start, 0)
        )
