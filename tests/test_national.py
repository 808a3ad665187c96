"""National figures: one definition of the median, shown alike in every report and the benchmark."""

from __future__ import annotations

import datetime as dt

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import docx_rows as rows
from helpers import table_after, table_rows

from pipeline import fill, national, workbook
from pipeline.cli import main
from pipeline.framework import load
from pipeline.vocabulary import LEVEL_LADDER

YEAR = "2025-26"
#: Four members (an even count) and the level rank each reaches per theme: rank(member, theme).
CODES = ("dorset", "essex", "kent", "west-midlands")


def rank(index: int, theme: int) -> int:
    """Ranks that differ across the members, so that the two middle ones often differ too."""
    return [theme % 4, (theme + 1) % 4, 3, (2 * theme) % 4][index]


def statuses_for(index: int) -> dict:
    """Met up to the member's level in each theme, Not met above: the theme lands on it."""
    fw = load()
    return {
        row.criterion_id: {
            "status": "Met" if row.level_rank <= rank(index, row.theme) else "Not met",
            "evidence": f"Evidence for {row.criterion_id}.",
        }
        for row in fw.frame.itertuples()
    }


def profile(code: str) -> dict:
    return {
        "lead_role": "Head of Policy",
        "contact_name": "A. Person",
        "contact_email": f"equality@{code}.example.gov.uk",
        "employees": 42,
        "signoff_role": "Chief Executive",
        "signoff_date": dt.date(2026, 3, 1),
        "equality_statement": "Equality for everyone.",
    }


@pytest.fixture(scope="module")
def run_outputs(tmp_path_factory, member_list) -> dict:
    """`equality run` on four filled returns: their reports and the benchmark, as written."""
    root = tmp_path_factory.mktemp("national")
    by_code = member_list.set_index("code", drop=False)
    inbox = root / "input"
    inbox.mkdir()
    for index, code in enumerate(CODES):
        blank = workbook.generate_workbook(
            by_code.loc[code].to_dict(), YEAR, root / "blank", generated=dt.date(2025, 4, 1)
        )
        fill.fill_workbook(
            blank, inbox / blank.name, answers=statuses_for(index), profile=profile(code)
        )
    out = root / "output"
    result = CliRunner().invoke(
        main, ["run", str(inbox), "--out", str(out), "--date", "2026-05-01"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return {"out": out / YEAR}


def report_medians(path) -> dict[int, str]:
    table = rows(table_after(docx.Document(str(path)), "Theme by theme"))
    assert table[0][2] == "Median of all returns"
    return {int(row[0].split(".")[0]): row[2] for row in table[1:]}


def test_every_report_and_the_benchmark_show_the_same_median_per_theme(run_outputs):
    out = run_outputs["out"]
    book = openpyxl.load_workbook(out / f"equality-benchmark-{YEAR}.xlsx")
    sheet = table_rows(book["National summary"], "NationalThemesTable")
    benchmark = {int(row["Theme"].split()[0]): row["Median level"] for row in sheet}
    assert all(row["Members with an accepted return"] == len(CODES) for row in sheet)
    fw = load()
    # The lower of the two middle levels of the four members, worked out from `rank`.
    expected = {
        t.number: LEVEL_LADDER[sorted(rank(i, t.number) for i in range(len(CODES)))[1]]
        for t in fw.themes
    }
    assert benchmark == expected
    reports = sorted((out / "reports").glob("*.docx"))
    assert [p.name.split("-equality")[0] for p in reports] == list(CODES)
    for path in reports:
        assert report_medians(path) == benchmark, path.name
    # An even split whose middle levels differ: an average would have said "between" two levels.
    middles = [sorted(rank(i, t.number) for i in range(len(CODES)))[1:3] for t in fw.themes]
    assert any(low != high for low, high in middles)


def test_report_counts_themes_at_achieving_with_the_same_median(run_outputs):
    """The median count of themes at Achieving or above is a count some member has, too."""
    fw = load()
    counts = sorted(
        sum(rank(i, t.number) >= LEVEL_LADDER.index("Achieving") for t in fw.themes)
        for i in range(len(CODES))
    )
    path = run_outputs["out"] / "reports" / f"kent-equality-report-{YEAR}.docx"
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert f"the median across the returns is {counts[1]}." in text


def test_median_is_the_lower_middle_level_never_an_average():
    assert national.lower_median([]) is None
    assert national.lower_median([3, 0, 2, 1]) == 1
    assert national.median_level([1, 2]) == "Developing"
    assert national.median_level([0, 3, 3]) == "Advancing"


def test_level_counts_per_theme_include_themes_nobody_reached():
    themes = pd.DataFrame(
        {"opcc_code": ["a", "b", "c"], "theme": [1, 1, 1], "level_rank": [0, 2, 2]}
    )
    counts = national.level_counts(themes, "theme", [1, 2])
    assert counts.loc[1, list(LEVEL_LADDER)].tolist() == [1, 0, 2, 0]
    assert counts.loc[1, [national.MEMBERS_COLUMN, national.MEDIAN_COLUMN]].tolist() == [
        3,
        "Achieving",
    ]
    assert (
        counts.loc[2, national.MEMBERS_COLUMN] == 0 and counts.loc[2, national.MEDIAN_COLUMN] == ""
    )


def test_achieving_or_above_counts_each_members_themes():
    themes = pd.DataFrame(
        {"opcc_code": ["b", "b", "a", "a"], "theme": [1, 2, 1, 2], "level_rank": [2, 3, 1, 0]}
    )
    assert national.achieving_or_above(themes).to_dict() == {"a": 0, "b": 2}
