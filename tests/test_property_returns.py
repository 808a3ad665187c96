"""Whatever an OPCC types into the cells of a valid return, reading, checking and scoring it never
raises: the result is a return of all 218 criteria with warnings, or no return with errors."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from helpers import GENERATED, filled_return
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline import framework, layout, scoring, validate, vocabulary, workbook
from pipeline.members import load_members
from pipeline.problems import ERROR

TRICKY = [
    '=HYPERLINK("http://evil.example","click")',
    "=1+1",
    "=1/0",
    "@SUM(1+1)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "Met_x000B_",
    "_x0000_",
    " n/a ",
    "Partially   MET",
    "31/02/2026",
    "2026-13-45",
    "45000",
    "#REF!",
    "Theme 3 commentary",
    "1.1.a",
    "2024-25",
    "kent",
    "atlantis",
    "\u202eevil\u202c",
    "👍🏽 ŵ العربية",
    "We consulted. " * 2341,  # 32,774 characters, past Excel's limit
]


def _excel_text(text: str) -> str:
    """Control characters as Excel stores them (_x000B_), since XML cannot hold them."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1)),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60).map(_excel_text),
    st.sampled_from(TRICKY),
    st.sampled_from(vocabulary.STATUSES + layout.PROGRESS_VALUES),
)


@pytest.fixture(scope="module")
def valid_return(tmp_path_factory) -> tuple[bytes, dict[str, list[tuple[str, str]]], Path]:
    """One complete return's bytes, its input cells by kind, and a scratch file path."""
    folder = tmp_path_factory.mktemp("property")
    member = load_members().set_index("code", drop=False).loc["kent"].to_dict()
    blank = workbook.generate_workbook(member, "2025-26", folder, generated=GENERATED)
    path = filled_return(blank, folder / "complete.xlsx")
    return (
        path.read_bytes(),
        _input_cells(path),
        folder / layout.WORKBOOK_NAME.format(code="kent", year="2025-26"),
    )


def _input_cells(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Input cells by kind: the criterion rows' Status, Evidence, dates and the rest; theme
    commentary; Profile values; Objectives rows."""
    book = load_workbook(path)
    found: dict[str, list[tuple[str, str]]] = {}
    inputs = [list(layout.CRITERION_COLUMNS).index(key) + 1 for key in layout.CRITERION_INPUTS]
    text_column = list(layout.CRITERION_COLUMNS).index("criterion_text") + 1
    for title in layout.SECTION_SHEETS.values():
        ws = book[title]
        for row in range(workbook.HEADER_ROW + 1, ws.max_row + 1):
            first = str(ws.cell(row, 1).value or "")
            if layout.COMMENTARY_PATTERN.match(first):
                found.setdefault("commentary", []).append(
                    (title, ws.cell(row, text_column).coordinate)
                )
            elif first.count(".") == 2:
                for key, column in zip(layout.CRITERION_INPUTS, inputs, strict=True):
                    found.setdefault(key, []).append((title, ws.cell(row, column).coordinate))
    labels = {label: key for key, label in layout.PROFILE_LABELS.items()}
    profile = book[layout.PROFILE_SHEET]
    for (cell,) in profile.iter_rows(min_col=1, max_col=1):
        if cell.value in labels:
            found.setdefault("profile", []).append(
                (layout.PROFILE_SHEET, cell.offset(column=1).coordinate)
            )
    objectives = book[layout.OBJECTIVES_SHEET]
    header = next(
        row[0].row
        for row in objectives.iter_rows(max_col=1)
        if row[0].value == layout.OBJECTIVE_COLUMNS["number"]
    )
    for row in objectives.iter_rows(min_row=header + 1, max_row=header + 3):
        for cell in row[: len(layout.OBJECTIVE_COLUMNS)]:
            found.setdefault("objectives", []).append((layout.OBJECTIVES_SHEET, cell.coordinate))
    return found


def test_the_starting_point_is_a_valid_return_with_every_input_cell_found(valid_return, fw):
    _, cells, target = valid_return
    target.write_bytes(valid_return[0])
    found, problems = validate.check_file(target, load_members(), framework=fw)
    assert found is not None and problems == []
    assert {key: len(cells[key]) for key in layout.CRITERION_INPUTS} == dict.fromkeys(
        layout.CRITERION_INPUTS, len(fw.criteria)
    )
    assert len(cells["commentary"]) == len(fw.themes)
    assert len(cells["profile"]) == len(layout.PROFILE_FIELDS)
    assert len(cells["objectives"]) == 3 * len(layout.OBJECTIVE_COLUMNS)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_values_in_the_input_cells_never_raise(valid_return, data):
    source, cells, target = valid_return
    # Kind first, then a cell of that kind, so that the few Profile cells are hit as often as the
    # many Evidence cells.
    anywhere = st.sampled_from(sorted(cells)).flatmap(lambda kind: st.sampled_from(cells[kind]))
    writes = data.draw(st.lists(st.tuples(anywhere, VALUES), min_size=1, max_size=12))
    book = load_workbook(io.BytesIO(source))
    for (sheet, cell), value in writes:
        book[sheet][cell].value = value
    book.save(target)

    fw = framework.load()
    found, problems = validate.check_file(target, load_members(), framework=fw)
    if found is None:
        assert problems and any(p.severity == ERROR for p in problems)
        return
    assert len(found.responses) == 218
    assert all(p.severity != ERROR for p in problems)
    scores = scoring.score(found.responses, fw)
    assert set(scores.themes["opcc_code"]) == {found.opcc_code}
