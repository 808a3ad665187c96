"""DEMO on every output made from invented returns, so that none can pass for a real one.

The batch's writers call these when the run is a demo run (`pipeline.demo`): a workbook gets a
first DEMO sheet, DEMO in each sheet's title and print header and an orange tab; a report (written
by `report.word` and `report.html` from these words) gets DEMO in its title, a banner on its title
page and DEMO in its running header; file names end
in -DEMO.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

DEMO = "DEMO"
PREFIX = "DEMO — "
BANNER = (
    "DEMO: made from invented returns (equality demo) to show what the tool produces. "
    "These are not real OPCC returns or results: do not publish or share them as such."
)
SHEET_NAME = "DEMO"
_TAB = "FFC000"


def demo_name(name: str) -> str:
    """`kent-feedback.xlsx` -> `kent-feedback-DEMO.xlsx`."""
    path = Path(name)
    return f"{path.stem}-{DEMO}{path.suffix}"


def mark_workbook(book: Workbook, titled: Iterable[str] = ()) -> None:
    """A first DEMO sheet with the banner; on every sheet DEMO in the print header and an orange
    tab; and DEMO before the title in A1 of the sheets named in `titled`."""
    for name in titled:
        cell = book[name]["A1"]
        if isinstance(cell.value, str) and not cell.value.startswith(PREFIX):
            cell.value = PREFIX + cell.value
    for ws in book.worksheets:
        ws.oddHeader.center.text = f"{DEMO}: invented returns, not real results"
        ws.sheet_properties.tabColor = _TAB
        ws.sheet_view.tabSelected = False
    name = SHEET_NAME
    while name in book.sheetnames:
        name = f"{name} notice"
    banner = book.create_sheet(name, 0)
    banner.sheet_properties.tabColor = _TAB
    banner.sheet_view.tabSelected = True
    banner.column_dimensions["A"].width = 100
    banner["A1"] = DEMO
    banner["A1"].font = Font(bold=True, size=28, color="C00000")
    banner["A2"] = BANNER
    banner["A2"].font = Font(bold=True, size=14)
    banner["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    banner.row_dimensions[2].height = 80
    book.active = 0
    book.properties.title = PREFIX + (book.properties.title or "")
