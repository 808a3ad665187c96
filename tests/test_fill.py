"""Filling a generated workbook as an OPCC would: values land by id and label, as given."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from pipeline import layout
from pipeline.fill import FillError, fill_workbook

LABEL = layout.CRITERION_COLUMNS


def row_of(ws, criterion_id: str) -> dict[str, object]:
    """The criterion row with this id, as label -> value, found by reading the sheet."""
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if LABEL["criterion_id"] in row)
    labels = rows[top]
    for row in rows[top + 1 :]:
        if row[labels.index(LABEL["criterion_id"])] == criterion_id:
            return dict(zip(labels, row, strict=True))
    raise AssertionError(f"{criterion_id} not found on {ws.title}")


def test_values_land_on_the_rows_and_cells_named(make_workbook, tmp_path):
    target = fill_workbook(
        make_workbook(),
        tmp_path / "filled.xlsx",
        statuses={"3.2.b": "Met", "16.3.a": "not met"},
        answers={
            "1.1.a": {
                "status": "Not applicable",
                "na_reason": "No youth justice service",
                "owner": "Head of Policy",
                "target_date": dt.date(2026, 3, 31),
                "evidence": "=1+1",
                "evidence_link": "https://example.org/e",
            },
        },
        profile={
            "lead_role": "Head of Policy",
            "employees": "twenty",
            "signoff_date": "31/13/2025",
        },
        objectives=[
            {"objective": "Fair stop and search"},
            {"objective": "Second", "progress": "Bad"},
        ],
        commentary={3: "Our engagement work", 16: ""},
    )
    book = load_workbook(target)
    communities, workforce = book[layout.SECTION_SHEETS[1]], book[layout.SECTION_SHEETS[4]]
    assert row_of(communities, "3.2.b")[LABEL["status"]] == "Met"
    assert row_of(workforce, "16.3.a")[LABEL["status"]] == "not met"
    first = row_of(communities, "1.1.a")
    assert first[LABEL["status"]] == "Not applicable"
    assert first[LABEL["na_reason"]] == "No youth justice service"
    assert first[LABEL["target_date"]] == dt.datetime(2026, 3, 31)
    assert first[LABEL["evidence"]] == "=1+1"  # typed as a formula, the way Excel takes it
    # Neighbours untouched.
    assert row_of(communities, "1.1.b")[LABEL["status"]] is None
    assert row_of(communities, "3.2.a")[LABEL["status"]] is None

    profile = {row[0]: row[1] for row in book[layout.PROFILE_SHEET].iter_rows(values_only=True)}
    assert profile[layout.PROFILE_LABELS["lead_role"]] == "Head of Policy"
    assert profile[layout.PROFILE_LABELS["employees"]] == "twenty"  # bad values stay as typed
    assert profile[layout.PROFILE_LABELS["signoff_date"]] == "31/13/2025"

    objectives = list(book[layout.OBJECTIVES_SHEET].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(objectives) if layout.OBJECTIVE_COLUMNS["number"] in row)
    labels = objectives[top]
    assert objectives[top + 1][labels.index("Objective")] == "Fair stop and search"
    assert objectives[top + 2][labels.index("Progress")] == "Bad"

    comments = {
        row[0]: row[2]
        for row in communities.iter_rows(values_only=True)
        if isinstance(row[0], str) and layout.COMMENTARY_PATTERN.match(row[0])
    }
    assert comments["Theme 3 commentary"] == "Our engagement work"
    assert comments["Theme 1 commentary"] is None


def test_rows_are_found_by_id_after_the_opcc_moves_them(make_workbook, tmp_path):
    source = make_workbook()
    book = load_workbook(source)
    ws = book[layout.SECTION_SHEETS[2]]
    ws.delete_rows(3, 4)  # the first theme title and its descriptors: every row moves up
    ws.insert_rows(10, 3)
    moved = tmp_path / "moved.xlsx"
    book.save(moved)
    target = fill_workbook(moved, tmp_path / "filled.xlsx", statuses={"6.2.a": "Partially met"})
    filled = load_workbook(target)[layout.SECTION_SHEETS[2]]
    assert row_of(filled, "6.2.a")[LABEL["status"]] == "Partially met"
    assert row_of(filled, "6.1.a")[LABEL["status"]] is None


def test_unknown_names_are_refused_with_the_name(make_workbook, tmp_path):
    source = make_workbook()
    with pytest.raises(FillError, match=r"99\.1\.a"):
        fill_workbook(source, tmp_path / "x.xlsx", statuses={"99.1.a": "Met"})
    with pytest.raises(FillError, match="colour"):
        fill_workbook(source, tmp_path / "x.xlsx", answers={"1.1.a": {"colour": "red"}})
    with pytest.raises(FillError, match="favourite"):
        fill_workbook(source, tmp_path / "x.xlsx", profile={"favourite": "x"})
    with pytest.raises(FillError, match="theme 17"):
        fill_workbook(source, tmp_path / "x.xlsx", commentary={17: "x"})
    assert not (tmp_path / "x.xlsx").exists()


def test_none_empties_a_cell(make_workbook, tmp_path):
    once = fill_workbook(make_workbook(), tmp_path / "once.xlsx", statuses={"2.1.a": "Met"})
    twice = fill_workbook(once, tmp_path / "twice.xlsx", statuses={"2.1.a": None})
    ws = load_workbook(twice)[layout.SECTION_SHEETS[1]]
    assert row_of(ws, "2.1.a")[LABEL["status"]] is None
