"""Feedback people can act on without a phone call.

The APCC gets one validation summary (every file's verdict, every problem). Each OPCC whose return
has problems gets a copy of its own workbook with every problem cell shaded and commented, and a
first sheet, Feedback, listing them: ready to email back. Inputs are only ever read, and no text
from a return is ever written as a formula: every string goes in as a plain string.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedNameDict
from openpyxl.worksheet.datavalidation import DataValidationList
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import framework, ingest, marks, outputs, sheets, workbook
from pipeline.members import load_members
from pipeline.outputs import save_workbook as save_book
from pipeline.problems import ERROR, OPCC, WARNING, Code, Problem
from pipeline.validate import Batch
from pipeline.vocabulary import REJECTED, SKIPPED, SUPERSEDED, WITH_WARNINGS

FEEDBACK_SHEET = "Feedback"
SUMMARY_NAME = "validation-summary.xlsx"
FEEDBACK_NAME = "{name}-feedback.xlsx"
COMMENT_AUTHOR = "APCC equality check"
#: Shading of a problem cell: light red for an error, light orange for a warning.
FILLS = {
    ERROR: PatternFill("solid", fgColor="FFC7CE"),
    WARNING: PatternFill("solid", fgColor="FCD5B4"),
}
# Files we make from scratch carry this date, so that the same batch gives the same bytes.
_STAMP = dt.datetime(*outputs.ZIP_EPOCH)
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_WRAP = Alignment(wrap_text=True, vertical="top")
_LINK = Font(color="0563C1", underline="single")

_LOG_HEADERS = {
    "file": "File",
    "opcc_code": "OPCC",
    "verdict": "Verdict",
    "errors": "Errors",
    "warnings": "Warnings",
    "signoff_date": "Sign-off date",
    "superseded_by": "Superseded by",
    "path": "Path",
}
_PROBLEM_HEADERS = {
    "code": "Code",
    "severity": "Severity",
    "file": "File",
    "opcc_code": "OPCC",
    "sheet": "Sheet",
    "cell": "Cell",
    "message": "Message",
    "fix": "How to fix",
}
_FEEDBACK_HEADERS = ("Code", "Severity", "Sheet", "Cell", "Problem", "How to fix")
_FEEDBACK_WIDTHS = (7, 9, 22, 7, 80, 60)


def write_validation_summary(batch: Batch, path: Path, *, demo: bool = False) -> Path:
    """One workbook for the APCC: each file's verdict (Returns), every problem (Problems), and
    the catalogue of rules (Rules). `demo`: it says DEMO."""
    book = _new_book()
    # A row per file and per problem: thousands in a large run, written only as it is saved.
    tails: dict[Worksheet, sheets.Tail] = {}
    returns = book.create_sheet("Returns")
    _table(returns, batch.log, _LOG_HEADERS, (40, 24, 22, 8, 10, 14, 40, 60), tails)
    problems = book.create_sheet("Problems")
    _table(problems, batch.problems, _PROBLEM_HEADERS, (7, 9, 36, 22, 22, 7, 90, 70), tails)
    rules = book.create_sheet("Rules")
    catalogue = pd.DataFrame(
        [
            {"code": c.name, "name": c.rule.name, "severity": c.severity, "title": c.rule.title}
            for c in Code
        ]
    )
    headers = {"code": "Code", "name": "Name", "severity": "Severity", "title": "Rule"}
    _table(rules, catalogue, headers, widths=(7, 22, 9, 36))
    if demo:
        marks.mark_workbook(book)
    return sheets.save_with_tails(book, Path(path), tails)


def write_feedback(batch: Batch, out_dir: Path, *, demo: bool = False) -> list[Path]:
    """DIR/<code>-feedback.xlsx for every return with problems (superseded ones excepted: the
    OPCC's later return is the one that counts). Returns the files written, sorted. `demo`: each
    says DEMO and is named <code>-feedback-DEMO.xlsx."""
    jobs = feedback_jobs(batch, demo=demo)
    return sorted(write(outputs.inside(Path(out_dir), name)) for name, write in jobs)


def feedback_jobs(batch: Batch, *, demo: bool = False) -> list[tuple[str, Callable[[Path], Path]]]:
    """(file name, write(path)) for every feedback workbook, so that a caller can decide where
    each lands (the batch keeps an edited one, as it keeps edited reports). Each write is a
    `FeedbackJob`'s: it pickles, so a process pool can run it."""
    names = feedback_names(batch.log, batch.problems)
    if not names:
        return []  # a clean batch builds no template
    log = batch.log.set_index("file", drop=False)
    template = _template_parts()
    jobs = []
    for file, name in names.items():
        job = FeedbackJob(log.loc[file].to_dict(), tuple(batch.problems_of(file)), demo, template)
        jobs.append((marks.demo_name(name) if demo else name, job.write))
    return jobs


def write_outputs(batch: Batch, out_dir: Path) -> list[Path]:
    """The validation summary and every feedback workbook, all in `out_dir`."""
    summary = write_validation_summary(batch, outputs.inside(Path(out_dir), SUMMARY_NAME))
    return [summary, *write_feedback(batch, out_dir)]


def feedback_names(log: pd.DataFrame, problems: pd.DataFrame | None = None) -> dict[str, str]:
    """File (as in the log) -> name of its feedback workbook, for every file that gets one.

    Named by member code (never by text inside a return), else by the file's own name; a second
    file for one member gets its file name added. A file rejected by a rule about the APCC's
    run (E012: the batch was for another year) gets none: it is not the OPCC's to fix."""
    noted = log["errors"] + log["warnings"] > 0
    wanted = log[noted & ~log["verdict"].isin([SUPERSEDED, SKIPPED])]
    if problems is not None and len(problems):
        not_theirs = problems["code"].map(lambda code: not Code[code].rule.for_opcc)
        wanted = wanted[~wanted["file"].isin(set(problems.loc[not_theirs, "file"]))]
    # Usable returns claim the plain name first, so an OPCC's main feedback is easy to find.
    order = sorted(
        wanted.itertuples(index=False), key=lambda row: (row.verdict == REJECTED, row.file)
    )
    names: dict[str, str] = {}
    for row in order:
        stem = outputs.safe_name(Path(row.file).stem)
        base = row.opcc_code or stem
        name, counter = (base if base not in names.values() else f"{base}-{stem}"), 2
        while name in names.values():
            name, counter = f"{base}-{stem}-{counter}", counter + 1
        names[row.file] = name
    return {file: FEEDBACK_NAME.format(name=names[file]) for file in sorted(names)}


@dataclass(frozen=True)
class SheetParts:
    """A generated sheet's formulas outside its cells: names, conditional formats, validations
    and print titles."""

    defined_names: DefinedNameDict
    conditional_formatting: ConditionalFormattingList
    data_validations: DataValidationList
    print_area: object
    print_rows: object
    print_cols: object


@dataclass(frozen=True)
class TemplateParts:
    """What a feedback copy may keep of the generated workbook (the same for every member and
    year): the formulas of its cells, its defined names and each sheet's parts. Read once from a
    built workbook, which is then dropped; a job carries them to a worker, which then builds
    no workbook of its own."""

    formulas: frozenset[str]
    defined_names: DefinedNameDict
    sheets: dict[str, SheetParts]


@dataclass(frozen=True)
class FeedbackJob:
    """One feedback workbook, as plain data (the file's log entry, its problems, the template's
    parts), so that `write` runs the same in this process or, pickled, in a worker."""

    entry: dict[str, object]
    problems: tuple[Problem, ...]
    demo: bool
    template: TemplateParts

    def write(self, target: Path) -> Path:
        """The copy of the OPCC's workbook, defused and marked, with the Feedback sheet first;
        the Feedback sheet alone when the return cannot be opened or the copy saved."""
        entry, problems = self.entry, list(self.problems)
        book = ingest.load_for_editing(Path(entry["path"]))
        if book is not None:
            _defuse(book, self.template.formulas)
            _rebuild_from_template(book, self.template)
            _keep_readable_images(book)
            for problem in problems:
                _mark(book, problem)
            _feedback_sheet(book, entry, problems, True)
            if self.demo:
                marks.mark_workbook(book, titled=book.sheetnames[:1])
            try:
                return save_book(book, target)
            except OSError:
                raise  # the disk, not the return: the run must hear of it
            except Exception:  # a copy openpyxl cannot save gets the listing alone
                pass
        book = _new_book()
        _feedback_sheet(book, entry, problems, False)
        if self.demo:
            marks.mark_workbook(book, titled=book.sheetnames[:1])
        return save_book(book, target)


@functools.cache
def _template_parts() -> TemplateParts:
    """The generated workbook's parts, read from one built for the first member (its formulas,
    names and rules are the same for every member and year)."""
    member = load_members().iloc[0].to_dict()
    book = workbook.build_workbook(member, "2025-26", framework.load(), generated=_STAMP.date())
    return TemplateParts(
        formulas=frozenset(
            cell.value
            for ws in book.worksheets
            for cell in ws._cells.values()
            if cell.data_type == "f"
        ),
        defined_names=book.defined_names,
        sheets={
            ws.title: SheetParts(
                ws.defined_names,
                ws.conditional_formatting,
                ws.data_validations,
                ws._print_area,
                ws._print_rows,
                ws._print_cols,
            )
            for ws in book.worksheets
        },
    )


def _rebuild_from_template(book: Workbook, template: TemplateParts) -> None:
    """Defined names, conditional formats, data validations and print areas are formulas too:
    the copy gets the template's own, sheet by sheet, and never the return's (a name such as
    `cmd|'/C calc'!A0` or `_xlnm.Auto_Open`, a WEBSERVICE validation, a rule calling out).
    Copies, because saving a workbook writes into them (a rule's style number)."""
    book.defined_names = DefinedNameDict()
    for name, defined in template.defined_names.items():
        sheets = {title for title, _ in defined.destinations}
        if sheets and sheets <= set(book.sheetnames):
            book.defined_names[name] = copy.deepcopy(defined)
    for ws in book.worksheets:
        ours = template.sheets.get(ws.title)
        ws.defined_names = DefinedNameDict()
        if ours is None:
            ws.conditional_formatting = ConditionalFormattingList()
            ws.data_validations = DataValidationList()
            ws.print_area = None
            ws._print_rows = ws._print_cols = None
            continue
        ws.defined_names = copy.deepcopy(ours.defined_names)
        ws.conditional_formatting = copy.deepcopy(ours.conditional_formatting)
        ws.data_validations = copy.deepcopy(ours.data_validations)
        ws._print_area = copy.deepcopy(ours.print_area)
        ws._print_rows, ws._print_cols = ours.print_rows, ours.print_cols


def _keep_readable_images(book: Workbook) -> None:
    """Pictures (a logo on the Profile sheet) are re-encoded when the copy is saved: one that
    cannot be decoded is dropped, so that a damaged picture never stops the feedback."""
    for ws in book.worksheets:
        kept = []
        for image in ws._images:
            try:
                data = image._data()
            except Exception:  # PIL raises many types on a damaged picture
                continue
            if image.format not in ("gif", "jpeg", "png"):
                image.format = "png"
            image.ref = io.BytesIO(data)
            kept.append(image)
        ws._images = kept


def _defuse(book: Workbook, ours: frozenset[str]) -> None:
    """The copy keeps only the template's own formulas and web links: a formula or link the
    OPCC typed (=HYPERLINK, a DDE call, a file: link) comes back as the text they typed.

    Only the cells that exist are visited: iterating the sheet's range would create every cell
    up to one typed in the last row and column (billions of them)."""
    for ws in book.worksheets:
        for cell in list(ws._cells.values()):
            if cell.data_type == "f" and not (isinstance(cell.value, str) and cell.value in ours):
                cell.value = str(getattr(cell.value, "text", cell.value))
                cell.data_type = "s"
            link = cell.hyperlink
            if link is not None and link.target and not _is_web(link.target):
                cell.hyperlink = None


def _is_web(target: str) -> bool:
    return target.strip().lower().startswith(("http://", "https://", "mailto:"))


def _mark(book: Workbook, problem: Problem) -> None:
    """Shade the problem's cell and add a comment with what is wrong and how to fix it."""
    if not problem.sheet or not problem.cell or problem.sheet not in book.sheetnames:
        return
    ws = book[problem.sheet]
    try:
        cell = ws[problem.cell]
    except (ValueError, KeyError):
        return
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if problem.cell in merged:
                cell = ws.cell(merged.min_row, merged.min_col)
                break
    cell.fill = FILLS[problem.severity]
    text = sheets.text(f"{problem.code}: {problem.what(OPCC)}\n\nHow to fix: {problem.how(OPCC)}")
    if cell.comment is not None:  # the OPCC's own note, or a second problem in the same cell
        text = f"{cell.comment.text}\n\n{text}"
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width, comment.height = 360, 220
    cell.comment = comment


def _feedback_sheet(
    book: Workbook, entry: Mapping[str, object], problems: list[Problem], copied: bool
) -> None:
    title = FEEDBACK_SHEET
    while title in book.sheetnames:
        title = f"APCC {title}" if title == FEEDBACK_SHEET else f"{title} 2"
    ws = book.create_sheet(title, 0)
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    book.active = 0
    errors, warnings = int(entry["errors"]), int(entry["warnings"])
    if entry["verdict"] == REJECTED:
        verdict = (
            f"Your return could not be used: it has {errors} error(s) (codes starting E). "
            "Please put them right and email the workbook to the APCC again."
        )
    elif entry["verdict"] == WITH_WARNINGS:
        verdict = (
            f"Your return was accepted and scored, with {warnings} warning(s). Please check each "
            "one; where the fix changes an answer, correct the workbook and email it to the APCC "
            "again."
        )
    else:
        verdict = "Your return was accepted."
    marked = (
        "Each problem in a cell is also marked in this copy of your workbook: the cell is shaded "
        "(red for an error, orange for a warning) and has a comment saying what to do. Click a "
        "cell reference below to go to it."
        if copied
        else "The file could not be opened, so the problems are listed here only."
    )
    intro = [
        ("Feedback on your Equality Framework self-assessment", _TITLE),
        (f"File: {entry['file']}", _BOLD),
        (f"Member code: {entry['opcc_code'] or 'not identified'}", None),
        (verdict, None),
        (marked, None),
    ]
    for number, (text, font) in enumerate(intro, start=1):
        cell = sheets.put_cell(ws, number, 1, text)
        ws.merge_cells(start_row=number, start_column=1, end_row=number, end_column=6)
        cell.alignment = _WRAP
        if font is not None:
            cell.font = font
        sheets.fit_row(ws, number, [(text, sum(_FEEDBACK_WIDTHS))])
    header = len(intro) + 2
    for column, label in enumerate(_FEEDBACK_HEADERS, start=1):
        cell = sheets.put_cell(ws, header, column, label)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for offset, problem in enumerate(problems, start=1):
        row = header + offset
        what, fix = problem.what(OPCC), problem.how(OPCC)
        values = (problem.code, problem.severity, problem.sheet, problem.cell, what, fix)
        for column, value in enumerate(values, start=1):
            sheets.put_cell(ws, row, column, value).alignment = _WRAP
        sheets.fit_row(ws, row, [(what, 80), (fix, 60)], max_lines=20)
        if copied and problem.sheet in book.sheetnames and problem.cell:
            link = ws.cell(row=row, column=4)
            sheet = problem.sheet.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!{problem.cell}")
            link.font = _LINK
    for column, width in zip("ABCDEF", _FEEDBACK_WIDTHS, strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    sheets.print_landscape(ws)


def _new_book() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    sheets.set_properties(book, author=COMMENT_AUTHOR, stamp=_STAMP)
    return book


def _table(
    ws: Worksheet,
    frame: pd.DataFrame,
    headers: dict[str, str],
    widths,
    tails: dict[Worksheet, sheets.Tail] | None = None,
) -> None:
    """`frame`'s `headers` columns as a table with a filter; with `tails`, its body goes there
    (`sheets.Tail`), made only as the workbook is saved."""
    for column, label in enumerate(headers.values(), start=1):
        cell = sheets.put_cell(ws, 1, column, label)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = width
    body = frame[list(headers)]

    def rows(stored: bool):
        for row, record in enumerate(body.itertuples(index=False), start=2):
            cells = []
            for column, value in enumerate(record, start=1):
                cell = Cell(ws, row=row, column=column) if not stored else ws.cell(row, column)
                sheets.write(cell, value)
                if isinstance(value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
                if isinstance(value, str) and len(value) > 40:
                    cell.alignment = _WRAP
                cells.append(cell)
            texts = [(v, w) for v, w in zip(record, widths, strict=False) if isinstance(v, str)]
            yield row, cells, sheets.row_height(texts, max_lines=20)

    if tails is None:
        for row, _, height in rows(stored=True):
            ws.row_dimensions[row].height = height
    elif len(body):
        tails[ws] = sheets.Tail(2, len(body) + 1, len(headers), lambda: rows(stored=False))
    ws.freeze_panes = "A2"
    sheets.print_landscape(ws)
    if len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(body) + 1}"
