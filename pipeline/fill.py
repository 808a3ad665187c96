"""Filling in a generated workbook the way an OPCC would, for tests and demo returns.

Cells are found as a person finds them, by criterion id, header label and profile label, never by
a fixed position, so fills still land correctly in a workbook whose rows were moved. Values are
written as given: a str stays a str (one starting with "=" becomes a formula, as typed in Excel),
a date stays a date, None empties the cell. That lets tests write deliberately bad values too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import layout
from pipeline.outputs import save_workbook

#: How far down a sheet a header row is looked for.
_HEADER_SEARCH_ROWS = 20


class FillError(KeyError):
    """A fill that names something the workbook does not have (a typo in a test, usually)."""

    def __str__(self) -> str:
        return str(self.args[0])


def fill_workbook(
    source: Path,
    target: Path,
    *,
    statuses: Mapping[str, object] | None = None,
    answers: Mapping[str, Mapping[str, object]] | None = None,
    profile: Mapping[str, object] | None = None,
    objectives: Sequence[Mapping[str, object]] = (),
    commentary: Mapping[int, object] | None = None,
) -> Path:
    """Copy `source` to `target` with these values typed in; returns `target`.

    statuses: criterion id -> Status. answers: criterion id -> {key of layout.CRITERION_COLUMNS:
    value}. profile: key of layout.PROFILE_LABELS -> value. objectives: one mapping per row, keys
    of layout.OBJECTIVE_COLUMNS, written from the first objective row down. commentary: theme ->
    text.
    """
    book = load_workbook(source)
    fill_book(
        book,
        statuses=statuses or {},
        answers=answers or {},
        profile=profile or {},
        objectives=objectives,
        commentary=commentary or {},
    )
    return save_workbook(book, Path(target))


def fill_book(
    book: Workbook,
    *,
    statuses: Mapping[str, object],
    answers: Mapping[str, Mapping[str, object]],
    profile: Mapping[str, object],
    objectives: Sequence[Mapping[str, object]],
    commentary: Mapping[int, object],
) -> None:
    """Write the values into an open workbook (see `fill_workbook`)."""
    rows, comments = _criterion_cells(book)
    combined: dict[str, dict[str, object]] = {cid: dict(values) for cid, values in answers.items()}
    for cid, status in statuses.items():
        combined.setdefault(cid, {})["status"] = status
    unknown = sorted(set(combined) - set(rows))
    if unknown:
        raise FillError(f"No criterion row with the ID {', '.join(unknown)} in the workbook.")
    for cid, values in combined.items():
        ws, row, columns = rows[cid]
        for key, value in values.items():
            ws.cell(row=row, column=_column(columns, key, layout.CRITERION_COLUMNS)).value = value
    for theme, text in commentary.items():
        if theme not in comments:
            raise FillError(f"No commentary row for theme {theme} in the workbook.")
        ws, row, column = comments[theme]
        ws.cell(row=row, column=column).value = text
    if profile:
        _fill_profile(book[layout.PROFILE_SHEET], profile)
    if objectives:
        _fill_objectives(book[layout.OBJECTIVES_SHEET], objectives)


def locate(book: Workbook):
    """Where each criterion row and theme commentary cell is, for code that writes beside a fill:
    (criterion id -> (sheet, row, header label -> column), theme -> (sheet, row, column))."""
    return _criterion_cells(book)


def _labels(ws: Worksheet, row: int) -> dict[str, int]:
    """Header label (lower case, trimmed) -> column number, for one row."""
    cells = next(ws.iter_rows(min_row=row, max_row=row))
    return {
        str(cell.value).strip().lower(): cell.column
        for cell in cells
        if isinstance(cell.value, str) and cell.value.strip()
    }


def _header_row(ws: Worksheet, required: Sequence[str]) -> tuple[int, dict[str, int]] | None:
    wanted = {label.lower() for label in required}
    for row in range(1, min(ws.max_row, _HEADER_SEARCH_ROWS) + 1):
        labels = _labels(ws, row)
        if wanted <= set(labels):
            return row, labels
    return None


def _column(columns: Mapping[str, int], key: str, known: Mapping[str, str]) -> int:
    if key not in known:
        raise FillError(f"Unknown column key {key!r}; use one of: {', '.join(known)}.")
    return columns[known[key].lower()]


def _criterion_cells(book: Workbook):
    """criterion id -> (sheet, row, header columns); theme -> (sheet, row, commentary column)."""
    required = (layout.CRITERION_COLUMNS["criterion_id"], layout.CRITERION_COLUMNS["status"])
    rows: dict[str, tuple[Worksheet, int, dict[str, int]]] = {}
    comments: dict[int, tuple[Worksheet, int, int]] = {}
    for ws in book.worksheets:
        found = _header_row(ws, required)
        if found is None:
            continue
        header, columns = found
        id_column = columns[layout.CRITERION_COLUMNS["criterion_id"].lower()]
        text_column = columns[layout.CRITERION_COLUMNS["criterion_text"].lower()]
        for (value,) in ws.iter_rows(
            min_row=header + 1, min_col=id_column, max_col=id_column, values_only=True
        ):
            header += 1
            if not isinstance(value, str):
                continue
            match = layout.COMMENTARY_PATTERN.match(value)
            if match:
                comments[int(match[1])] = (ws, header, text_column)
            else:
                rows.setdefault(value.strip(), (ws, header, columns))
    return rows, comments


def _fill_profile(ws: Worksheet, profile: Mapping[str, object]) -> None:
    by_label = {
        str(cell.value).strip().lower(): cell.row
        for (cell,) in ws.iter_rows(min_col=1, max_col=1)
        if isinstance(cell.value, str)
    }
    for key, value in profile.items():
        if key not in layout.PROFILE_LABELS:
            raise FillError(
                f"Unknown profile key {key!r}; use one of: {', '.join(layout.PROFILE_LABELS)}."
            )
        label = layout.PROFILE_LABELS[key].lower()
        if label not in by_label:
            raise FillError(f"No profile row labelled {layout.PROFILE_LABELS[key]!r}.")
        ws.cell(row=by_label[label], column=2).value = value


def _fill_objectives(ws: Worksheet, objectives: Sequence[Mapping[str, object]]) -> None:
    found = _header_row(ws, tuple(layout.OBJECTIVE_COLUMNS.values()))
    if found is None:
        raise FillError(f"No objectives header row on the sheet {ws.title!r}.")
    header, columns = found
    for offset, objective in enumerate(objectives, start=1):
        for key, value in objective.items():
            column = _column(columns, key, layout.OBJECTIVE_COLUMNS)
            ws.cell(row=header + offset, column=column).value = value
