"""The shared openpyxl helpers, read back from a saved workbook."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl import Workbook, load_workbook

from pipeline import sheets


def test_text_is_stored_as_text_never_as_a_formula(tmp_path):
    book = Workbook()
    ws = book.active
    sheets.put(ws, "A1", '=HYPERLINK("http://evil","click")')
    sheets.put_cell(ws, 2, 1, "bell\x07 and nul\x00 gone")
    sheets.put_cell(ws, 3, 1, "x" * 40_000)
    sheets.put_cell(ws, 4, 1, pd.Timestamp("2026-03-31"))
    sheets.put_cell(ws, 5, 1, float("nan"))
    sheets.put_cell(ws, 6, 1, "")
    path = tmp_path / "out.xlsx"
    book.save(path)
    cells = load_workbook(path).active
    assert cells["A1"].data_type == "s" and cells["A1"].value.startswith("=HYPERLINK")
    assert cells["A2"].value == "bell and nul gone"
    assert len(cells["A3"].value) == sheets.CELL_TEXT_LIMIT
    assert cells["A4"].value == dt.datetime(2026, 3, 31)
    assert cells["A5"].value is None and cells["A6"].value is None


def test_a_row_grows_with_its_wrapped_text():
    short = sheets.row_height([("one line", 40)])
    long = sheets.row_height([("word " * 200, 40)])
    assert short == sheets.LINE_HEIGHT + 3
    assert long > 10 * short
    assert sheets.row_height([("word " * 200, 40)], max_lines=20) == 20 * sheets.LINE_HEIGHT + 3
    assert sheets.lines([("a\nb\nc", 40)]) == 3


def test_print_setup_and_properties():
    book = Workbook()
    sheets.print_landscape(book.active, "2:2")
    assert book.active.page_setup.orientation == "landscape"
    assert book.active.page_setup.fitToWidth == 1
    assert book.active.print_title_rows == "$2:$2"
    sheets.set_properties(book, author="APCC", stamp=dt.date(2026, 5, 1), title="T")
    assert book.properties.creator == "APCC" and book.properties.title == "T"
    assert book.properties.created == dt.datetime(2026, 5, 1) == book.properties.modified
