"""Evidence suggestions out: a suggestions workbook, and a copy of the OPCC's workbook with the
Evidence cells of confident suggestions pre-filled and marked "Suggested — check".

A suggestion is never a status: the OPCC decides whether a criterion is Met, so only Evidence
cells are written, only where the OPCC left them blank, and only in a copy (the input is only
read). Every piece of document text goes in as a plain string, never as a formula or a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import framework as framework_module
from pipeline import ingest, outputs
from pipeline import suggest as ranker
from pipeline.documents import Document, DocumentError, Passage, read_document

#: The mark every pre-filled Evidence cell starts with.
MARK = "Suggested — check:"
#: How much of a passage is quoted in an Evidence cell (the sheet has the whole passage).
EXCERPT_CHARS = 160
SUGGESTIONS_NAME = "{code}-evidence-suggestions.xlsx"

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_WRAP = Alignment(wrap_text=True, vertical="top")


class SuggestError(ValueError):
    """Suggestions that cannot be made: the message names the file and the fix."""


@dataclass
class Read:
    """The documents that could be read, their passages, and what went wrong with the others."""

    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passages(self) -> list[Passage]:
        return [p for d in self.documents for p in d.passages]

    @property
    def notes(self) -> list[str]:
        return [note for d in self.documents for note in d.notes] + self.problems


@dataclass
class Prefill:
    path: Path
    filled: list[str]
    #: Criteria with a confident suggestion whose Evidence cell the OPCC had already filled.
    kept: list[str]


def read_documents(paths: Sequence[Path]) -> Read:
    """Every document that can be read; one that cannot is reported and the others go on."""
    read = Read()
    for path in paths:
        try:
            document = read_document(Path(path))
        except DocumentError as exc:
            read.problems.append(str(exc))
            continue
        if not document.passages:
            read.problems.append(f"{document.name}: no paragraph of text was found in it.")
        read.documents.append(document)
    return read


def evidence_text(rows: pd.DataFrame) -> str:
    """What goes in an Evidence cell: the mark, then one line per suggested passage."""
    lines = [MARK]
    for row in rows.itertuples(index=False):
        excerpt = row.text if len(row.text) <= EXCERPT_CHARS else row.text[:EXCERPT_CHARS] + "…"
        lines.append(f"{row.document}, {row.reference}: “{excerpt}”")
    return _clean("\n".join(lines))


def write_suggestions(
    suggestions: pd.DataFrame,
    fw: framework_module.Framework,
    read: Read,
    path: Path,
    *,
    opcc: str,
    generated: dt.date,
) -> Path:
    """The suggestions workbook: confident suggestions, every candidate, and the documents read."""
    criteria = fw.frame.set_index("criterion_id")
    frame = suggestions.join(
        criteria[["level", "text"]].rename(columns={"text": "criterion"}), on="criterion_id"
    )
    frame["confident"] = frame["confident"].map({True: "Yes", False: ""})
    headers = {
        "criterion_id": "Criterion ID",
        "level": "Level",
        "criterion": "Criterion text",
        "rank": "Rank",
        "confidence": "Confidence",
        "confident": "Pre-filled",
        "document": "Document",
        "reference": "Where",
        "heading": "Under heading",
        "text": "Passage",
    }
    widths = (10, 11, 50, 6, 11, 10, 28, 18, 22, 80)
    book = Workbook()
    book.remove(book.active)
    stamp = dt.datetime.combine(generated, dt.time())
    book.properties.creator = "equality suggest"
    book.properties.created = book.properties.modified = stamp
    _about(book.create_sheet("About"), read, opcc, suggestions)
    _table(book.create_sheet("Suggestions"), frame[frame["confident"] == "Yes"], headers, widths)
    _table(book.create_sheet("All candidates"), frame, headers, widths)
    return outputs.save_workbook(book, Path(path))


def prefill_workbook(
    source: Path, target: Path, suggestions: pd.DataFrame, *, opcc: str
) -> Prefill:
    """A copy of the OPCC's workbook with the Evidence cell of every criterion that has a
    confident suggestion pre-filled, unless the OPCC has already written evidence there."""
    source, target = Path(source), Path(target)
    if target.resolve() == source.resolve():
        raise SuggestError(
            f"{target.name}: the pre-filled copy would overwrite the workbook itself. Give "
            "another file name with --workbook-out."
        )
    found, problems = ingest.read_return(source)
    if found is None:
        reasons = " ".join(p.message for p in problems)
        raise SuggestError(f"{source.name}: this workbook cannot be read ({reasons})")
    if found.opcc_code != opcc:
        raise SuggestError(
            f"{source.name}: the workbook is {found.opcc_code}'s, not {opcc}'s. Pass "
            f"--opcc {found.opcc_code}, or the workbook of {opcc}."
        )
    book = ingest.load_for_editing(source)
    if book is None:
        raise SuggestError(f"{source.name}: the workbook cannot be opened for editing.")
    confident = ranker.confident(suggestions)
    responses = found.responses.set_index("criterion_id")
    filled, kept = [], []
    for cid, rows in confident.groupby("criterion_id", sort=False):
        response = responses.loc[cid]
        if not response["sheet"]:
            continue  # the OPCC deleted the row: nowhere to put it
        letter = found.column_letters[response["sheet"]].get("evidence")
        if letter is None:
            continue
        cell = book[response["sheet"]][f"{letter}{int(response['row'])}"]
        if cell.value is not None and str(cell.value).strip():
            kept.append(cid)
            continue
        cell.value = evidence_text(rows)
        cell.data_type = "s"
        filled.append(cid)
    outputs.save_workbook(book, target)
    return Prefill(target, filled, kept)


def _about(ws: Worksheet, read: Read, opcc: str, suggestions: pd.DataFrame) -> None:
    confident = ranker.confident(suggestions)
    lines = [
        f"Evidence suggestions for {opcc}",
        "",
        "Which passages of the OPCC's own documents may evidence each criterion, found by word "
        "matching. A suggestion is a place to look, never a status: the OPCC decides whether a "
        "criterion is Met.",
        f"Suggestions: the {confident['criterion_id'].nunique()} criteria with a confident "
        f"suggestion (confidence at least {ranker.CONFIDENT:.2f}); these are the ones pre-filled "
        f'as "{MARK}" in a workbook copy.',
        f"All candidates: the top {ranker.TOP} passages for every criterion, confident or not.",
        "",
        "Documents read:",
    ]
    lines += [f"  {d.name}: {len(d.passages)} passages" for d in read.documents]
    if read.notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in read.notes]
    for row, line in enumerate(lines, start=1):
        _put(ws, row, 1, line)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120


def _table(ws: Worksheet, frame: pd.DataFrame, headers: dict[str, str], widths) -> None:
    for column, label in enumerate(headers.values(), start=1):
        cell = _put(ws, 1, column, label)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for row, record in enumerate(frame[list(headers)].itertuples(index=False), start=2):
        for column, value in enumerate(record, start=1):
            _put(ws, row, column, value).alignment = _WRAP
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = width
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = ws.dimensions


def _put(ws: Worksheet, row: int, column: int, value: object):
    """A string is always stored as a string, never read as a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _clean(value)
        cell.data_type = "s"
    elif value is not None and not pd.isna(value):
        cell.value = value.item() if hasattr(value, "item") else value
    return cell


def _clean(text: str) -> str:
    """Characters a workbook cannot hold removed, and the text kept within Excel's cell limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32_000]
