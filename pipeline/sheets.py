"""The openpyxl helpers every workbook we write shares: safe cells, row heights, print, properties.

Text from a return is hostile until written: `put` stores every string as a string (never a
formula), without the control characters a workbook cannot hold and within Excel's cell limit.
The self-assessment workbook, the feedback workbooks and the benchmark all write through here.
`Package` copies a saved workbook with a few of its parts replaced, without openpyxl. A `Tail`
is a table's body written only as the workbook is saved (`save_with_tails`), one row at a time,
so that a table of thousands of rows never sits in memory as cells.
"""

from __future__ import annotations

import datetime as dt
import struct
import textwrap
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pipeline.outputs import save_workbook, valid_text

#: The most characters written into one cell (Excel holds 32,767; keep a margin).
CELL_TEXT_LIMIT = 32_000
#: Points per line of 11-point text.
LINE_HEIGHT = 15.0


def text(value: str) -> str:
    """A string a workbook can hold: bytes that were not UTF-8 replaced, illegal control
    characters removed, cut to the limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", valid_text(value))[:CELL_TEXT_LIMIT]


def plain(value: object) -> object:
    """A value openpyxl writes as a person expects: None for blanks, dates as dates."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, str) and not value):
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def write(cell: Cell, value: object, **style: object) -> Cell:
    """Write a value into `cell`; a string is always stored as text, never read as a formula."""
    value = plain(value)
    if isinstance(value, str):
        cell.value = text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def put(ws: Worksheet, ref: str, value: object, **style: object) -> Cell:
    """`write` at an A1 reference."""
    return write(ws[ref], value, **style)


def put_cell(ws: Worksheet, row: int, column: int, value: object, **style: object) -> Cell:
    """`write` at (row, column)."""
    return write(ws.cell(row=row, column=column), value, **style)


def lines(texts: Iterable[tuple[str, float]], chars_per_unit: float = 1.1) -> int:
    """How many lines the tallest of these wrapped texts takes, each in a cell of its width.

    Plain text fits about 1.1 characters per unit of column width; bold headers about 1.
    """
    most = 1
    for value, width in texts:
        most = max(most, _wrapped_lines(str(value), max(int(width * chars_per_unit), 1)))
    return most


@lru_cache(maxsize=4096)
def _wrapped_lines(value: str, per_line: int) -> int:
    """Lines of `value` wrapped at `per_line` characters: the same texts (the framework's, the
    members' names) come back in every table and every edition (remembered for the most
    recent few thousand, not for every member of a run of thousands)."""
    return sum(len(textwrap.wrap(part, per_line)) or 1 for part in value.split("\n"))


def row_height(
    texts: Iterable[tuple[str, float]], chars_per_unit: float = 1.1, max_lines: int | None = None
) -> float:
    """A row height (points) that shows every wrapped text in full: openpyxl cannot autofit,
    and neither Excel nor LibreOffice grows a row written by openpyxl."""
    count = lines(texts, chars_per_unit)
    return LINE_HEIGHT * min(count, max_lines or count) + 3


def fit_row(ws: Worksheet, row: int, texts: Iterable[tuple[str, float]], **options) -> None:
    """Set row `row` tall enough for its wrapped texts (see `row_height`)."""
    ws.row_dimensions[row].height = row_height(texts, **options)


def print_landscape(
    ws: Worksheet,
    title_rows: str | None = None,
    *,
    pages_wide: int = 1,
    title_columns: str | None = None,
) -> None:
    """A4 landscape, every column within `pages_wide` page widths and as many pages down as it
    takes; `title_rows` ("2:2") and `title_columns` ("A:B") repeat on each page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    if title_columns:
        ws.print_title_cols = title_columns


def set_properties(
    book: Workbook,
    *,
    author: str,
    stamp: dt.date | dt.datetime,
    title: str = "",
    subject: str = "",
    keywords: str = "",
    description: str = "",
) -> None:
    """The document properties, dated `stamp` (not now), so that the same inputs give the same
    file."""
    if not isinstance(stamp, dt.datetime):
        stamp = dt.datetime.combine(stamp, dt.time())
    props = book.properties
    for name, value in (
        ("title", title),
        ("subject", subject),
        ("keywords", keywords),
        ("description", description),
    ):
        if value:
            setattr(props, name, value)
    props.creator = author
    props.lastModifiedBy = author
    props.created = stamp
    props.modified = stamp


_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_END_SIZE = 22
_DATA_DESCRIPTOR = 0x08


class PackageError(ValueError):
    """A zip that `Package` does not take."""


class Package:
    """A saved workbook (zip bytes) to copy with some parts' text replaced.

    A copy keeps the entry order, every header as it was (times, flags, names) but the CRC and
    sizes, and the compressed bytes of every part not replaced, so it is the file `zipfile`
    would have written with the new parts. Only plain zips are taken (no zip64, no comment, no
    data descriptors), as `outputs.save_workbook` writes them.
    """

    def __init__(self, data: bytes):
        end = len(data) - _END_SIZE
        if end < 0 or data[end : end + 4] != _END:
            raise PackageError("not a zip without a comment")
        fields = struct.unpack_from("<4s4H2LH", data, end)
        count, directory_size, directory = fields[4:7]
        if fields[3] != count or directory + directory_size != end:
            raise PackageError("the zip's central directory is not where its end says")
        self._entries: list[tuple[str, bytes, bytes, bytes, int]] = []
        position = directory
        offsets = []
        for _ in range(count):
            if data[position : position + 4] != _CENTRAL:
                raise PackageError("damaged central directory")
            flags, method = struct.unpack_from("<2H", data, position + 8)
            name_size, extra_size, comment_size = struct.unpack_from("<3H", data, position + 28)
            (offset,) = struct.unpack_from("<L", data, position + 42)
            size = 46 + name_size + extra_size + comment_size
            record = data[position : position + size]
            if flags & _DATA_DESCRIPTOR or 0xFFFFFFFF in struct.unpack_from("<3L", record, 16):
                raise PackageError("zip64 entries and data descriptors are not supported")
            if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise PackageError(f"compression method {method} is not supported")
            name = record[46 : 46 + name_size].decode("utf-8" if flags & 0x800 else "cp437")
            offsets.append((offset, name, record, method))
            position += size
        for index, (offset, name, record, method) in enumerate(offsets):
            following = offsets[index + 1][0] if index + 1 < len(offsets) else directory
            if data[offset : offset + 4] != _LOCAL:
                raise PackageError(f"damaged entry {name}")
            name_size, extra_size = struct.unpack_from("<2H", data, offset + 26)
            start = offset + 30 + name_size + extra_size
            (compressed_size,) = struct.unpack_from("<L", record, 20)
            if start + compressed_size != following:
                raise PackageError(f"entry {name} is not followed by the next")
            self._entries.append((name, data[offset:start], data[start:following], record, method))
        self.data = data

    @property
    def names(self) -> list[str]:
        """The parts, in the zip's order."""
        return [name for name, *_ in self._entries]

    def copy(self, parts: Mapping[str, bytes]) -> bytes:
        """The zip with each part named in `parts` holding the given content instead."""
        unknown = set(parts) - set(self.names)
        if unknown:
            raise KeyError(f"no such part: {', '.join(sorted(unknown))}")
        chunks: list[bytes] = []
        directory: list[bytes] = []
        offset = 0
        for name, header, body, record, method in self._entries:
            if name in parts:
                content = parts[name]
                body = _compressed(content, method)
                sizes = struct.pack("<3L", zlib.crc32(content), len(body), len(content))
                header = header[:14] + sizes + header[26:]
                record = record[:16] + sizes + record[28:]
            directory.append(record[:42] + struct.pack("<L", offset) + record[46:])
            chunks += (header, body)
            offset += len(header) + len(body)
        listing = b"".join(directory)
        count = len(directory)
        end = struct.pack("<4s4H2LH", _END, 0, 0, count, count, len(listing), offset, 0)
        return b"".join([*chunks, listing, end])


def _compressed(content: bytes, method: int) -> bytes:
    """`content` as `zipfile` stores it with `method` at its default level."""
    if method == zipfile.ZIP_STORED:
        return content
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


@dataclass(frozen=True)
class Tail:
    """The last rows of a sheet, made only as the workbook is saved: `rows()` yields each as
    (row number, its cells, its height in points or None), in order, from `first_row` to
    `last_row`, below every row the sheet holds, `last_column` columns wide. The cells are made
    for the sheet (`Cell(ws, row, column)`, written with `write`) but not stored in it."""

    first_row: int
    last_row: int
    last_column: int
    rows: Callable[[], Iterator[tuple[int, list[Cell], float | None]]]


def save_with_tails(book: Workbook, path: Path, tails: Mapping[Worksheet, Tail]) -> Path:
    """Save `book` atomically (`outputs.save_workbook`), each sheet in `tails` with its tail's
    rows after its own: the same bytes as if those cells had been in the sheet."""
    return save_workbook(book, path, writer=partial(TailedWriter, tails=tails))


class TailedWriter(ExcelWriter):
    """openpyxl's ExcelWriter, writing each sheet that has a `Tail` with the tail's rows."""

    def __init__(self, workbook: Workbook, archive: zipfile.ZipFile, tails: Mapping) -> None:
        super().__init__(workbook, archive)
        self._tails = tails

    def write_worksheet(self, ws: Worksheet) -> None:
        tail = self._tails.get(ws)
        if tail is None:
            super().write_worksheet(ws)
            return
        # As ExcelWriter.write_worksheet does for a sheet that is not write-only.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _TailedSheetWriter(ws, tail)
        writer.write()
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


class _TailedSheetWriter(WorksheetWriter):
    def __init__(self, ws: Worksheet, tail: Tail) -> None:
        super().__init__(ws)
        if ws._cells and tail.first_row <= ws.max_row:
            raise ValueError(f"{ws.title}: a tail must start below the sheet's last row.")
        self.tail = tail

    def write_dimensions(self) -> None:
        """The sheet's used range, taking in the tail."""
        low_column, low_row, high_column, high_row = range_boundaries(self.ws.calculate_dimension())
        if self.tail.last_row >= self.tail.first_row:
            high_row = max(high_row, self.tail.last_row)
            high_column = max(high_column, self.tail.last_column)
        ref = f"{get_column_letter(low_column)}{low_row}:{get_column_letter(high_column)}{high_row}"
        self.xf.send(SheetDimension(ref).to_tree())

    def write_tables(self) -> None:
        """As openpyxl's, each table's columns named from its header row alone: openpyxl reads
        the header as `ws[table.ref][0]`, which stores an empty cell in the sheet for every cell
        of the table, the tail's too (a table of thousands of rows would be held after all)."""
        for table in self.ws.tables.values():
            if table.tableColumns or not table.headerRowCount:
                continue
            table._initialise_columns()
            first_column, header_row, last_column, _ = range_boundaries(table.ref)
            for column, named in zip(
                range(first_column, last_column + 1), table.tableColumns, strict=True
            ):
                cell = self.ws.cell(row=header_row, column=column)
                if cell.data_type != "s":
                    warnings.warn(
                        "File may not be readable: column headings must be strings.", stacklevel=2
                    )
                named.name = str(cell.value)
        super().write_tables()

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        dimensions = self.ws.row_dimensions
        with xf.element("sheetData"):
            for row_idx, row in self.rows():
                self.write_row(xf, row, row_idx)
            for row_idx, cells, height in self.tail.rows():
                if height is not None:
                    dimensions[row_idx].height = height
                self.write_row(xf, cells, row_idx)
                dimensions.pop(row_idx, None)
        self.xf.send(None)
