"""The openpyxl helpers every workbook we write shares: safe cells, row heights, print, properties.

Text from a return is hostile until written: `put` stores every string as a string (never a
formula), without the control characters a workbook cannot hold and within Excel's cell limit.
The self-assessment workbook, the feedback workbooks and the benchmark all write through here.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.outputs import valid_text

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
        per_line = max(int(width * chars_per_unit), 1)
        wrapped = sum(len(textwrap.wrap(part, per_line)) or 1 for part in str(value).split("\n"))
        most = max(most, wrapped)
    return most


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
