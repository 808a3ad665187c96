"""DEMO on every output made from invented returns, so that none can pass for a real one.

The batch's writers call these when the run is a demo run (`pipeline.demo`): a workbook gets a
first DEMO sheet, DEMO in each sheet's title and print header and an orange tab; a report gets
DEMO in its title, a banner on its title page and DEMO in its running header; file names end
in -DEMO.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from docx.document import Document
from docx.oxml.ns import qn
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


def mark_document(document: Document) -> None:
    """DEMO before the title (on the title page and in the properties), the banner below the
    title, and DEMO in the running header (its TITLE field, or a line of its own)."""
    paragraphs = document.paragraphs
    title = next((p for p in paragraphs if p.style is not None and p.style.name == "Title"), None)
    if title is not None and title.runs:
        title.runs[0].text = PREFIX + title.runs[0].text
        index = paragraphs.index(title)
        if index + 1 < len(paragraphs):
            banner = paragraphs[index + 1].insert_paragraph_before(BANNER)
        else:
            banner = document.add_paragraph(BANNER)
        if "Draft Notice" in [s.name for s in document.styles]:
            banner.style = document.styles["Draft Notice"]
    properties = document.core_properties
    properties.title = PREFIX + (properties.title or "")
    properties.content_status = DEMO
    for section in document.sections:
        header = section.header
        if header.is_linked_to_previous:
            continue
        if not _set_title_fields(header.paragraphs, properties.title):
            header.add_paragraph(f"{DEMO}: invented returns, not a real report")


def _set_title_fields(paragraphs, title: str) -> bool:
    """Put `title` in each TITLE field's shown text; whether there was one."""
    found = False
    for paragraph in paragraphs:
        for field in paragraph._p.findall(qn("w:fldSimple")):
            if field.get(qn("w:instr"), "").split()[:1] == ["TITLE"]:
                texts = field.findall(".//" + qn("w:t"))
                if texts:
                    texts[0].text = title
                    for extra in texts[1:]:
                        extra.text = ""
                found = True
    return found
