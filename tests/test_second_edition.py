"""A second framework edition needs only a new YAML file: no code change anywhere.

A made-up edition with two sections and three themes (different titles and sheet names from the
2024-25 edition) is loaded, turned into a workbook, filled in, read back, checked and scored.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import GENERATED, needs_libreoffice, recalculate
from openpyxl import load_workbook

from pipeline import framework, ingest, scoring, validate, vocabulary, workbook
from pipeline.fill import fill_workbook


def _level(theme: int, rank: int, count: int) -> dict:
    name = vocabulary.LEVELS[rank - 1]
    return {
        "level": name,
        "code": f"{theme}.{rank}",
        "descriptor": f"Theme {theme} at {name}: what good looks like.",
        "criteria": [
            {
                "id": f"{theme}.{rank}.{letter}",
                "text": f"The office does thing {letter} of theme {theme} at {name} level.",
            }
            for letter in "abcd"[:count]
        ],
    }


def _theme(number: int, title: str) -> dict:
    return {
        "number": number,
        "title": title,
        "levels": [_level(number, rank, count) for rank, count in ((1, 2), (2, 2), (3, 1))],
    }


SECOND_EDITION = {
    "edition": "2030-31",
    "title": "A Made-up Equality Framework",
    "update": "Test edition",
    "publisher": "Nobody",
    "levels": list(vocabulary.LEVELS),
    "level_definitions": {name: f"What {name} means here." for name in vocabulary.LEVELS},
    "scoring_rule": "Levels are cumulative.",
    "sections": [
        {
            "number": 1,
            "title": "Knowing People",
            "sheet": "1 People",
            "themes": [_theme(1, "Listening"), _theme(2, "Counting")],
        },
        # No sheet name given: it is made from the number and the title.
        {"number": 2, "title": "Acting", "themes": [_theme(3, "Doing")]},
    ],
}


@pytest.fixture
def second(tmp_path: Path) -> framework.Framework:
    path = tmp_path / "apcc-2030-31.yaml"
    path.write_text(yaml.safe_dump(SECOND_EDITION, sort_keys=False), encoding="utf-8")
    return framework.load_file(path)


def test_a_second_edition_runs_end_to_end_with_no_code_change(second, member_list, tmp_path):
    assert [s.sheet for s in second.sections] == ["1 People", "2 Acting"]
    assert len(second.themes) == 3 and len(second.criteria) == 15
    member = member_list.set_index("code", drop=False).loc["kent"].to_dict()
    blank = workbook.generate_workbook(
        member, "2030-31", tmp_path / "out", framework=second, generated=GENERATED
    )
    book = load_workbook(blank)
    assert {"1 People", "2 Acting"} <= set(book.sheetnames)
    start = " ".join(str(c.value) for row in book["Start here"].iter_rows() for c in row)
    assert "two sections: 1 Knowing People, 2 Acting" in start

    # Theme 1 reaches Advancing, theme 2 Achieving (its Advancing criterion is Not met),
    # theme 3 Not yet Developing (a Developing criterion is Partially met).
    statuses = {c.id: vocabulary.MET for c in second.criteria}
    statuses["2.3.a"] = vocabulary.NOT_MET
    statuses["3.1.b"] = vocabulary.PARTIALLY_MET
    answers = {cid: {"evidence": "Minutes of the board"} for cid in statuses}
    filled = fill_workbook(
        blank,
        tmp_path / "kent-return.xlsx",
        statuses=statuses,
        answers=answers,
        profile={"signoff_date": GENERATED},
    )

    found, problems = ingest.read_return(filled, framework=second)
    assert found is not None, [p.message for p in problems]
    assert (found.opcc_code, found.reporting_year, found.framework_edition) == (
        "kent",
        "2030-31",
        "2030-31",
    )
    assert not [p for p in problems if p.code.startswith(("W116", "W118", "W119"))]
    assert set(found.responses["sheet"]) == {"1 People", "2 Acting"}

    checked, all_problems = validate.check_file(filled, member_list, framework=second)
    assert checked is not None and not [p for p in all_problems if p.severity == "error"]
    scores = scoring.score(checked.responses, second)
    levels = dict(zip(scores.themes["theme"], scores.themes["level"], strict=True))
    assert levels == {1: "Advancing", 2: "Achieving", 3: vocabulary.NOT_YET}
    sections = dict(zip(scores.sections["section"], scores.sections["level"], strict=True))
    assert sections == {1: "Achieving", 2: vocabulary.NOT_YET}
    table = validate.score_table(validate.resolve([(filled, checked, all_problems)]), second)
    assert list(table["theme"]) == [1, 2, 3]


def test_a_workbook_of_the_first_edition_is_refused_by_the_second(second, make_workbook):
    found, problems = ingest.read_return(make_workbook(code="kent"), framework=second)
    assert found is None and [p.code for p in problems] == ["E009"]


def test_a_sheet_name_excel_cannot_hold_is_refused(tmp_path):
    bad = {**SECOND_EDITION, "sections": [dict(SECOND_EDITION["sections"][0], sheet="1/People")]}
    path = tmp_path / "apcc-bad.yaml"
    path.write_text(yaml.safe_dump(bad, sort_keys=False), encoding="utf-8")
    with pytest.raises(framework.FrameworkError, match="sheet name '1/People'"):
        framework.load_file(path)


@needs_libreoffice
def test_the_scorecard_of_a_second_edition_agrees_with_scoring(second, member_list, tmp_path):
    member = member_list.set_index("code", drop=False).loc["kent"].to_dict()
    blank = workbook.generate_workbook(
        member, "2030-31", tmp_path / "out", framework=second, generated=GENERATED
    )
    statuses = {c.id: vocabulary.MET for c in second.criteria}
    statuses["2.3.a"] = vocabulary.NOT_MET
    statuses["3.1.b"] = vocabulary.NOT_APPLICABLE  # no reason: does not count
    filled = fill_workbook(blank, tmp_path / "kent.xlsx", statuses=statuses)
    [recalculated] = recalculate([filled], tmp_path / "recalculated")
    ws = load_workbook(recalculated, data_only=True)["Scorecard"]
    header = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "Section")
    level = header.index("Level reached")
    unreasoned = header.index("Not applicable, no reason (does not count)")
    rows = [r for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    themes = {r[1]: (r[level], r[unreasoned]) for r in rows if isinstance(r[1], int)}
    sections = {r[0]: r[level] for r in rows if r[1] is None}
    assert themes == {1: ("Advancing", 0), 2: ("Achieving", 0), 3: (vocabulary.NOT_YET, 1)}
    assert sections == {1: "Achieving", 2: vocabulary.NOT_YET}
