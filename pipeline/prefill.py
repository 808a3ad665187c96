"""Next year's workbooks, started from last year's accepted return instead of a blank page.

Each member's workbook is generated as usual, then its return from the year record (`history`) is
typed into the input cells, found by criterion id and label as `fill` finds them. Values go in as
plain text, dates and numbers: text from a return never becomes a formula. Every carried row says
so in a marker column beside it, Start here explains what was carried, and target dates of
outstanding criteria that passed before the new year began are shaded and commented. A member
with no accepted return in the record gets the ordinary blank workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from pipeline import fill, history, layout, outputs, workbook
from pipeline import framework as framework_module
from pipeline.framework import Framework

#: Profile fields carried into next year's workbook. Contact details are not in the record, and
#: the sign-off date must be the new year's own.
CARRIED_PROFILE = (
    "lead_role",
    "employees",
    "signoff_role",
    "equality_statement",
    "published_links",
)
#: The marker column on the criterion sheets: after the two hidden helper columns.
MARKER_COLUMN = len(layout.CRITERION_COLUMNS) + 3
OBJECTIVE_MARKER_COLUMN = len(layout.OBJECTIVE_COLUMNS) + 1
PROFILE_MARKER_COLUMN = 4

_MARKER_FONT = Font(name="Calibri", size=11, italic=True, color="833C0B")
_MARKER_FILL = PatternFill("solid", fgColor="FCE4D6")
_HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_PASSED_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
_PASSED_FONT = Font(color="9C0006", bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def marker_text(from_year: str) -> str:
    return f"Carried from {from_year} — check and update"


@dataclass
class PrefillResult:
    """What was written, and what the APCC should know about it."""

    year: str
    from_year: str
    paths: list[Path]
    #: member code -> the code its return was recorded under last year (the same, or an old code).
    carried: dict[str, str]
    #: Members given a blank workbook: no accepted return in the record.
    blank: list[str]
    #: Recorded returns no member of this year's list takes (reported, not carried).
    not_carried: list[str]
    #: member code -> how many carried target dates of outstanding criteria had passed.
    passed_dates: dict[str, int] = field(default_factory=dict)
    #: member code -> objectives beyond the workbook's rows, not carried.
    objectives_left: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [
            f"{len(self.carried)} workbook(s) for {self.year} carry the {self.from_year} return; "
            f"{len(self.blank)} start blank (no accepted {self.from_year} return)."
        ]
        for code, old in sorted(self.carried.items()):
            if old != code:
                lines.append(f"  {code}: carried from the {self.from_year} return of {old}.")
        if self.blank:
            lines.append(f"  Blank: {', '.join(self.blank)}.")
        if self.passed_dates:
            lines.append(
                f"  {sum(self.passed_dates.values())} carried target date(s) in "
                f"{len(self.passed_dates)} workbook(s) had passed before {self.year} began; "
                "they are shaded red for the OPCC to update."
            )
        for code, count in sorted(self.objectives_left.items()):
            lines.append(
                f"  {code}: {count} objective(s) beyond the workbook's {layout.OBJECTIVE_ROWS} "
                "rows not carried."
            )
        if self.not_carried:
            lines.append(
                f"Not carried: the {self.from_year} return(s) of {', '.join(self.not_carried)}, "
                "which are not in this year's member list. If a member's code changed, list the "
                "old code in its previous_codes column of the member list."
            )
        return "\n".join(lines)


def generate_prefilled_workbooks(
    members_frame: pd.DataFrame,
    codes: Iterable[str] | None,
    year: str,
    out_dir: Path,
    record: history.Record,
    *,
    previous_codes: Mapping[str, tuple[str, ...]] | None = None,
    framework: Framework | None = None,
    return_to: str | None = None,
    deadline: str | None = None,
    generated: dt.date | None = None,
) -> PrefillResult:
    """Workbooks for the members named by `codes` (all when None), each carrying its `record`
    return; a member without one gets the blank workbook `workbook.generate_workbook` makes."""
    history.check_carry(record, year)
    by_code = {row["code"]: row for row in members_frame.to_dict("records")}
    wanted = sorted(by_code) if codes is None else sorted(set(codes))
    unknown = [code for code in wanted if code not in by_code]
    if unknown:
        raise workbook.WorkbookError(
            f"Unknown member code(s): {', '.join(unknown)}. "
            "Run `equality members` to see the codes (e.g. west-midlands)."
        )
    if not wanted:
        raise workbook.WorkbookError(
            "No member was named: give --opcc CODE (one or more) or --all."
        )
    framework = framework or framework_module.load(record.framework_edition)
    generated = generated or dt.date.today()
    plan, not_carried = history.carry_plan(record, sorted(by_code), dict(previous_codes or {}))
    result = PrefillResult(
        year=year,
        from_year=record.year,
        paths=[],
        carried={code: plan[code] for code in wanted if code in plan},
        blank=[code for code in wanted if code not in plan],
        not_carried=not_carried,
    )
    for code in wanted:
        book = workbook.build_workbook(
            by_code[code],
            year,
            framework,
            return_to=return_to,
            deadline=deadline,
            generated=generated,
        )
        if code in plan:
            passed, left = carry_into(book, record, plan[code], year)
            if passed:
                result.passed_dates[code] = passed
            if left:
                result.objectives_left[code] = left
        path = workbook.workbook_path(out_dir, code, year)
        result.paths.append(outputs.save_workbook(book, path))
    return result


def carry_into(book: Workbook, record: history.Record, source: str, year: str) -> tuple[int, int]:
    """Type the return recorded under `source` into a freshly generated workbook for `year`.

    Returns (target dates flagged as passed, objectives left out for want of rows).
    """
    start = history.year_start(year)
    answers, passed = _answers(record.table("responses", source), start)
    commentary = {
        int(row.theme): row.text
        for row in record.table("commentary", source).itertuples()
        if str(row.text).strip()
    }
    objectives = _objectives(record.table("objectives", source))
    kept = objectives[: layout.OBJECTIVE_ROWS]
    profile = _profile(record.table("profile", source))
    template_formulas = _formula_cells(book)
    fill.fill_book(
        book,
        statuses={},
        answers=answers,
        profile=profile,
        objectives=kept,
        commentary=commentary,
    )
    _defuse(book, template_formulas)
    marker = marker_text(record.year)
    _mark_criteria(book, answers, commentary, passed, marker, record.year, year)
    _mark_objectives(book, len(kept), marker, record.year)
    _mark_profile(book, profile, marker, record.year)
    _start_note(book, record.year, year, start)
    return len(passed), len(objectives) - len(kept)


def _answers(
    responses: pd.DataFrame, start: dt.date
) -> tuple[dict[str, dict[str, object]], dict[str, dt.date]]:
    """criterion id -> carried input values; criterion id -> its passed target date."""
    answers: dict[str, dict[str, object]] = {}
    passed: dict[str, dt.date] = {}
    for row in responses.to_dict("records"):
        values: dict[str, object] = {}
        if row["status"]:
            values["status"] = row["status"]
        for key in ("evidence", "evidence_link", "owner", "na_reason"):
            if str(row[key]).strip():
                values[key] = row[key]
        if pd.notna(row["target_date"]):
            date = row["target_date"].date()
            values["target_date"] = date
            if date < start and not row["satisfied"]:
                passed[row["criterion_id"]] = date
        elif str(row["target_date_raw"]).strip():
            values["target_date"] = row["target_date_raw"]
        if values:
            answers[row["criterion_id"]] = values
    return answers, passed


def _objectives(frame: pd.DataFrame) -> list[dict[str, object]]:
    keys = [key for key in layout.OBJECTIVE_COLUMNS if key != "number"]
    rows = []
    for row in frame.to_dict("records"):
        values = {key: row[key] for key in keys if str(row[key]).strip()}
        if values:
            rows.append(values)
    return rows


def _profile(frame: pd.DataFrame) -> dict[str, object]:
    if frame.empty:
        return {}
    row = frame.iloc[0]
    values: dict[str, object] = {}
    for key in CARRIED_PROFILE:
        value = row[key]
        if key == "employees":
            if pd.notna(value):
                values[key] = int(value)
        elif str(value).strip():
            values[key] = value
    return values


def _formula_cells(book: Workbook) -> set[tuple[str, str]]:
    return {
        (ws.title, cell.coordinate)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


def _defuse(book: Workbook, template_formulas: set[tuple[str, str]]) -> None:
    """Carried text that looks like a formula ("=HYPERLINK(…)") is stored as the text it is."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and (ws.title, cell.coordinate) not in template_formulas:
                    cell.data_type = "s"


def _marker_cell(ws, row: int, column: int, text: str) -> None:
    cell = ws.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    cell.font = _MARKER_FONT
    cell.fill = _MARKER_FILL
    cell.alignment = _WRAP


def _marker_header(ws, row: int, column: int, from_year: str, width: float = 34) -> None:
    cell = ws.cell(row=row, column=column)
    cell.value = f"Carried from {from_year}"
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = _WRAP
    ws.column_dimensions[get_column_letter(column)].width = width


def _mark_criteria(
    book: Workbook,
    answers: Mapping[str, Mapping[str, object]],
    commentary: Mapping[int, object],
    passed: Mapping[str, dt.date],
    marker: str,
    from_year: str,
    year: str,
) -> None:
    rows, comments = fill.locate(book)
    sheets = {ws.title: ws for ws, _, _ in rows.values()}
    for ws in sheets.values():
        _marker_header(ws, workbook.HEADER_ROW, MARKER_COLUMN, from_year)
        _flag_passed_dates(ws, year)
    for cid in answers:
        ws, row, columns = rows[cid]
        text = marker
        if cid in passed:
            date = f"{passed[cid]:%d/%m/%Y}"
            text += f". The target date {date} passed before {year} began: set a new one."
            column = columns[layout.CRITERION_COLUMNS["target_date"].lower()]
            ws.cell(row=row, column=column).comment = Comment(
                f"Carried from {from_year}: this target date ({date}) passed before {year} "
                "began. Set a new date, or update the Status.",
                workbook.AUTHOR,
            )
        _marker_cell(ws, row, MARKER_COLUMN, text)
    for theme in commentary:
        ws, row, _ = comments[theme]
        _marker_cell(ws, row, MARKER_COLUMN, marker)


def _flag_passed_dates(ws, year: str) -> None:
    """Shade a target date before the year's start while its criterion is outstanding (live, so
    the shading goes when the OPCC sets a new date or meets the criterion)."""
    start = history.year_start(year)
    letter = workbook.CRITERION_LETTERS["target_date"]
    first = workbook.HEADER_ROW + 1
    date = f"DATE({start.year},{start.month},{start.day})"
    check = f"${workbook.CHECK_LETTER}{first}"
    rule = FormulaRule(
        formula=[f"AND(ISNUMBER({letter}{first}),{letter}{first}<{date},{check}<1)"],
        fill=_PASSED_FILL,
        font=_PASSED_FONT,
    )
    ws.conditional_formatting.add(f"{letter}{first}:{letter}{ws.max_row}", rule)


def _mark_objectives(book: Workbook, count: int, marker: str, from_year: str) -> None:
    if not count:
        return
    ws = book[layout.OBJECTIVES_SHEET]
    _marker_header(ws, workbook.HEADER_ROW, OBJECTIVE_MARKER_COLUMN, from_year)
    for row in range(workbook.HEADER_ROW + 1, workbook.HEADER_ROW + 1 + count):
        _marker_cell(ws, row, OBJECTIVE_MARKER_COLUMN, marker)


def _mark_profile(book: Workbook, profile: Mapping[str, object], marker: str, from_year) -> None:
    if not profile:
        return
    ws = book[layout.PROFILE_SHEET]
    labels = {layout.PROFILE_LABELS[key] for key in profile}
    ws.column_dimensions[get_column_letter(PROFILE_MARKER_COLUMN)].width = 34
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        if cell.value in labels:
            _marker_cell(ws, cell.row, PROFILE_MARKER_COLUMN, marker)


def _start_note(book: Workbook, from_year: str, year: str, start: dt.date) -> None:
    """A note near the top of Start here, in the blank row under "For", else at the end."""
    ws = book[layout.START_SHEET]
    row = ws.max_row + 2
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        below = cell.row + 1
        empty = ws.cell(below, 1).value is None and ws.cell(below, 2).value is None
        if cell.value == "For" and empty:
            row = below
            break
    text = (
        f"This workbook starts from your accepted {from_year} return: statuses, evidence, "
        "links, owners, target dates, reasons for Not applicable, theme commentary, objectives "
        "and profile details are carried in. Every carried row says "
        f'"{marker_text(from_year)}" in its last column. Check each one and update it for '
        f"{year}: the levels are worked out from what this workbook says when you send it back. "
        f"Target dates of outstanding criteria that passed before {start:%d/%m/%Y} are shaded "
        "red: set new ones. The contact details and the sign-off date are for you to fill in."
    )
    label = ws.cell(row=row, column=1)
    label.value = f"Carried from {from_year}"
    label.font = Font(name="Calibri", size=11, bold=True)
    body = ws.cell(row=row, column=2)
    body.value = text
    body.data_type = "s"
    for cell in (label, body):
        cell.fill = _MARKER_FILL
        cell.alignment = _WRAP
    ws.row_dimensions[row].height = 15 * (len(text) // 95 + 1) + 3
