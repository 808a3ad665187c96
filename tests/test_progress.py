"""Progress since last year: two years of returns, run one after the other, and what moved.

Both years' returns are generated and filled with the project's own tools, with levels chosen so
that the movements are known: West Midlands' theme 3 rises from Developing to Achieving, Kent's
theme 5 falls from Achieving to Developing (a criterion Met last year is Not met now), Avon and
Somerset changed its code and its theme 2 rises, Dorset returned last year and not this year, a
member that has left the list returned last year, and Surrey returns for the first time.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from helpers import GONE, OLD_CODE, two_year_member_lists

from pipeline import (
    benchmark_progress,
    fill,
    history,
    members,
    progress,
    run,
    scoring,
    vocabulary,
    workbook,
)
from pipeline.cli import main
from pipeline.vocabulary import LEVEL_LADDER, LEVELS

LAST, THIS = "2024-25", "2025-26"
#: member -> theme -> level rank, each year; every other theme stands at Developing.
LEVELS_LAST = {"west-midlands": {3: 1}, "kent": {5: 2}, OLD_CODE: {2: 1}, GONE: {}, "dorset": {}}
LEVELS_THIS = {"west-midlands": {3: 2}, "kent": {5: 1}, "avon-and-somerset": {2: 2}, "surrey": {}}


def statuses(fw, ranks: dict[int, int]) -> dict[str, str]:
    """Statuses that put each theme at its rank (default Developing): every criterion Met but
    the first of each level above the rank, so that a change of rank changes one criterion."""
    result = {}
    for theme in fw.themes:
        rank = ranks.get(theme.number, 1)
        for level in theme.levels:
            for index, criterion in enumerate(level.criteria):
                still_open = level.rank > rank and index == 0
                result[criterion.id] = vocabulary.NOT_MET if still_open else vocabulary.MET
    return result


def first_criterion(fw, theme_number: int, level: str) -> str:
    theme = next(t for t in fw.themes if t.number == theme_number)
    return next(c.id for c in theme.criteria if c.level == level)


def returns(root: Path, fw, member_list: Path, year: str, plan: dict) -> Path:
    listed = members.load_members(member_list).set_index("code", drop=False)
    inbox = root / f"input-{year}"
    inbox.mkdir()
    for code, ranks in plan.items():
        blank = workbook.generate_workbook(
            listed.loc[code].to_dict(), year, root / f"blank-{year}", generated=dt.date(2025, 4, 1)
        )
        fill.fill_workbook(
            blank,
            inbox / blank.name,
            statuses=statuses(fw, ranks),
            profile={"signoff_role": "Chief Executive", "signoff_date": dt.date(2026, 1, 10)},
        )
    return inbox


@pytest.fixture(scope="module")
def two_years(tmp_path_factory, fw) -> dict:
    root = tmp_path_factory.mktemp("two-years")
    last_list, this_list = two_year_member_lists(root)
    out = root / "output"
    last = run.run(
        returns(root, fw, last_list, LAST, LEVELS_LAST),
        out,
        year=LAST,
        members_file=last_list,
        generated=dt.date(2025, 5, 1),
        workers=1,
    )
    inbox = returns(root, fw, this_list, THIS, LEVELS_THIS)
    # No --previous: the run finds last year's folder beside its own.
    result = CliRunner().invoke(
        main,
        [
            *("run", str(inbox), "--out", str(out), "--year", THIS, "--members", str(this_list)),
            *("--date", "2026-05-01"),
        ],
        catch_exceptions=False,
    )
    return {
        "root": root,
        "out": out,
        "last": last,
        "cli": result,
        "inbox": inbox,
        "this_list": this_list,
        "folder": out / THIS,
    }


def report(two_years, code: str) -> docx.Document:
    return docx.Document(two_years["folder"] / "reports" / f"{code}-equality-report-{THIS}.docx")


def table_with(document, caption_header: tuple[str, ...]) -> list[list[str]]:
    for table in document.tables:
        header = tuple(cell.text for cell in table.rows[0].cells)
        if header == caption_header:
            return [[cell.text for cell in row.cells] for row in table.rows[1:]]
    raise AssertionError(f"no table headed {caption_header}")


def paragraph_after(document, heading: str) -> str:
    paragraphs = document.paragraphs
    index = next(
        i
        for i, p in enumerate(paragraphs)
        if p.text == heading and p.style.name.startswith("Heading")
    )
    return paragraphs[index + 1].text


MOVEMENT_HEADER = ("Theme", LAST, THIS, "Movement", "Criteria that changed status")


# --- the frames ---------------------------------------------------------------------------------


def test_the_run_finds_last_years_folder_and_says_what_moved(two_years):
    result = two_years["cli"]
    assert result.exit_code == 0, result.output
    assert f"Since {LAST} (3 member(s) with a return both years): 2 theme(s) up, 1 down" in (
        " ".join(result.output.split())
    )
    record = json.loads((two_years["folder"] / "run.json").read_text(encoding="utf-8"))
    assert record["previous"] == {"year": LAST, "folder": (two_years["out"] / LAST).as_posix()}


def test_movements_are_the_ones_the_returns_were_filled_to_make(two_years, fw):
    record = history.load_record(two_years["out"] / LAST)
    this = history.load_record(two_years["folder"])
    found = progress.compare(
        record,
        year=THIS,
        scores=scoring.score(this.responses, fw),
        responses=this.responses,
        members=members.load_members(two_years["this_list"]),
        previous_codes=members.previous_codes(two_years["this_list"]),
        framework=fw,
    )
    themes = found.themes.set_index(["opcc_code", "theme"])
    assert themes.loc[("west-midlands", 3), "in_words"] == "up from Developing to Achieving"
    assert themes.loc[("kent", 5), "in_words"] == "down from Achieving to Developing"
    assert themes.loc[("avon-and-somerset", 2), "previous_code"] == OLD_CODE
    assert themes.loc[("avon-and-somerset", 2), "movement"] == progress.UP
    assert themes.loc[("kent", 1), "in_words"] == "no change (Developing)"
    moved = found.themes[found.themes["movement"] != progress.SAME]
    assert sorted(zip(moved["opcc_code"], moved["theme"], strict=True)) == [
        ("avon-and-somerset", 2),
        ("kent", 5),
        ("west-midlands", 3),
    ]
    assert "surrey" not in set(found.themes["opcc_code"])
    dropped = first_criterion(fw, 5, "Achieving")
    assert found.challenge[["opcc_code", "criterion_id", "previous_status", "status"]].to_dict(
        "records"
    ) == [
        {
            "opcc_code": "kent",
            "criterion_id": dropped,
            "previous_status": "Met",
            "status": "Not met",
        }
    ]
    gone = found.not_returned.set_index("previous_code")["reason"].to_dict()
    assert gone == {"dorset": progress.NO_RETURN, GONE: progress.NOT_LISTED}
    national = found.national.set_index(["theme", "level"])
    assert national.loc[(5, "Achieving"), "previous_members"] == 1
    assert national.loc[(5, "Achieving"), "members"] == 0
    assert national.loc[(3, "Achieving"), "members"] == 1
    assert national.loc[(1, "Developing"), "previous_members"] == len(LEVELS_LAST)
    assert national.loc[(1, "Developing"), "members"] == len(LEVELS_THIS)


# --- the reports --------------------------------------------------------------------------------


def test_the_report_shows_each_themes_movement_and_changed_criteria(two_years, fw):
    rows = table_with(report(two_years, "west-midlands"), MOVEMENT_HEADER)
    assert len(rows) == len(fw.themes)
    raised = first_criterion(fw, 3, "Achieving")
    assert rows[2] == [
        "3. Effective Community Engagement",
        "Developing",
        "Achieving",
        "Up from Developing to Achieving",
        f"{raised}: Not met to Met",
    ]
    assert rows[0][3:] == ["No change (Developing)", "None"]
    kent = table_with(report(two_years, "kent"), MOVEMENT_HEADER)
    dropped = first_criterion(fw, 5, "Achieving")
    assert kent[4][1:] == [
        "Achieving",
        "Developing",
        "Down from Achieving to Developing",
        f"{dropped}: Met to Not met",
    ]


def test_the_at_a_glance_part_says_what_moved_since_last_year(two_years, fw):
    document = report(two_years, "kent")
    summary = paragraph_after(document, "Since last year")
    assert summary.startswith(
        f"Since {LAST}, 0 themes moved up, 1 theme moved down and 15 themes stayed"
    )
    assert "theme 5 (Participation in Democracy), down from Achieving to Developing" in summary
    assert f"1 criterion Met in {LAST} is not satisfied now" in summary
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    glance, chapter = headings.index("At a glance"), headings.index(f"Progress since {LAST}")
    assert glance < headings.index("Since last year") < chapter
    assert f"Met in {LAST}, not satisfied in {THIS}" in headings
    rows = table_with(document, ("ID", "Criterion", LAST, THIS))
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (first_criterion(fw, 5, "Achieving"), "Met", "Not met")
    ]


def test_the_chart_of_both_years_has_alt_text_naming_each_movement(two_years):
    document = report(two_years, "west-midlands")
    described = [
        element.get("descr")
        for element in document.element.body.iter()
        if element.tag.endswith("}docPr")
    ]
    chart = next(text for text in described if text and f"in {LAST} and {THIS}" in text)
    assert "Theme 3 Effective Community Engagement: up from Developing to Achieving." in chart


def test_a_member_without_a_return_last_year_gets_no_since_last_year_text(two_years):
    document = report(two_years, "surrey")
    text = "\n".join(p.text for p in document.paragraphs)
    # (2024-25 is also the framework's edition, so the year alone proves nothing.)
    assert "Since last year" not in text and "Progress since" not in text
    assert "moved up" not in text
    assert all(t.rows[0].cells[1].text != LAST for t in document.tables)


def test_without_a_previous_year_the_reports_say_nothing_about_it(two_years):
    folder = two_years["out"] / LAST / "reports"
    for path in folder.glob("*.docx"):
        document = docx.Document(path)
        text = "\n".join(p.text for p in document.paragraphs)
        assert "Since last year" not in text and "Progress since" not in text, path.name
    book = openpyxl.load_workbook(two_years["out"] / LAST / f"equality-benchmark-{LAST}.xlsx")
    assert benchmark_progress.MOVEMENT_SHEET not in book.sheetnames


# --- the benchmark ------------------------------------------------------------------------------


def sheet_rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(min_row=benchmark_progress.HEADER_ROW, values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture(scope="module")
def bench(two_years):
    return openpyxl.load_workbook(two_years["folder"] / f"equality-benchmark-{THIS}.xlsx")


def test_the_benchmark_has_a_movement_row_per_member_with_a_return_both_years(bench):
    rows = {row["Member code"]: row for row in sheet_rows(bench["Movement"])}
    assert sorted(rows) == ["avon-and-somerset", "kent", "west-midlands"]
    assert rows["west-midlands"]["3 Effective Community Engagement"] == (
        "up from Developing to Achieving"
    )
    assert rows["kent"]["5 Participation in Democracy"] == "down from Achieving to Developing"
    assert rows["avon-and-somerset"]["Code last year"] == OLD_CODE
    assert rows["kent"]["Code last year"] is None
    assert (rows["kent"]["Themes up"], rows["kent"]["Unchanged"], rows["kent"]["Down"]) == (
        0,
        15,
        1,
    )
    ws = bench["Movement"]
    header = [c.value for c in ws[benchmark_progress.HEADER_ROW]]
    kent_row = next(r for r in ws.iter_rows() if r[0].value == "kent")
    cell = kent_row[header.index("5 Participation in Democracy")]
    assert cell.fill.fgColor.rgb.endswith(benchmark_progress.MOVEMENT_FILLS[progress.DOWN])


def test_the_national_sheet_counts_members_at_each_level_both_years(bench):
    rows = {row["Theme"]: row for row in sheet_rows(bench["Levels vs last year"])}
    theme5 = rows["5 Participation in Democracy"]
    assert theme5[f"Achieving {LAST}"] == 1 and theme5[f"Achieving {THIS}"] == 0
    assert theme5[f"Developing {LAST}"] == 4 and theme5[f"Developing {THIS}"] == 4
    assert rows["3 Effective Community Engagement"][f"Achieving or above {THIS}"] == 1
    assert (
        sum(rows["1 Collecting and Sharing Information"][f"{lv} {LAST}"] for lv in LEVEL_LADDER)
        == 5
    )
    (chart,) = bench["Levels vs last year"]._charts
    assert len(chart.series) == 2


def test_criteria_met_last_year_and_not_now_are_listed_for_challenge(bench, fw):
    rows = sheet_rows(bench["Met last year"])
    assert [
        (r["Member code"], r["Criterion"], r[f"Status {LAST}"], r[f"Status {THIS}"]) for r in rows
    ] == [("kent", first_criterion(fw, 5, "Achieving"), "Met", "Not met")]


def test_members_that_returned_last_year_but_not_this_year_are_listed(bench):
    rows = sheet_rows(bench["Returned last year"])
    assert [(r[f"Member code {LAST}"], r["Why no comparison"]) for r in rows] == [
        ("dorset", progress.NO_RETURN),
        (GONE, progress.NOT_LISTED),
    ]


# --- what is refused ----------------------------------------------------------------------------


def run_with_previous(two_years, tmp_path, previous: Path):
    return CliRunner().invoke(
        main,
        [
            *("run", str(two_years["inbox"]), "--out", str(tmp_path / "out"), "--year", THIS),
            *("--members", str(two_years["this_list"]), "--previous", str(previous)),
        ],
    )


def copy_output(two_years, tmp_path: Path, **changes) -> Path:
    folder = tmp_path / "previous" / LAST
    shutil.copytree(two_years["out"] / LAST / "record", folder / "record")
    path = folder / "record" / "record.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_folder_that_is_not_an_equality_output_is_exit_2(two_years, tmp_path):
    (tmp_path / "notes").mkdir()
    result = run_with_previous(two_years, tmp_path, tmp_path / "notes")
    assert result.exit_code == 2
    assert "is not the output folder of an equality run" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_demo_runs_output_is_refused(two_years, tmp_path):
    result = run_with_previous(two_years, tmp_path, copy_output(two_years, tmp_path, demo=True))
    assert result.exit_code == 2
    assert "output of a demo run" in result.output and "never" in result.output


def test_a_run_of_another_framework_edition_is_refused(two_years, tmp_path):
    folder = copy_output(two_years, tmp_path, framework_edition="2023-24")
    result = run_with_previous(two_years, tmp_path, folder)
    assert result.exit_code == 2
    assert "framework edition 2023-24" in result.output
    assert "not supported yet" in result.output


def test_a_previous_run_of_the_same_or_a_later_year_is_refused(two_years, tmp_path):
    result = run_with_previous(two_years, tmp_path, two_years["folder"])
    assert result.exit_code == 2
    assert "earlier year" in result.output
    # Nothing is written: at most the output folder's lock, taken before the returns are read.
    out = tmp_path / "out"
    assert not out.exists() or [p.name for p in out.iterdir()] == [".equality.lock"]


def test_a_broken_record_beside_the_output_is_skipped_with_a_note(two_years, tmp_path):
    out = tmp_path / "out"
    folder = copy_output(two_years, tmp_path, framework_edition="2023-24")
    shutil.copytree(folder, out / LAST)
    result = CliRunner().invoke(
        main,
        [
            *("run", str(two_years["inbox"]), "--out", str(out), "--year", THIS),
            *("--members", str(two_years["this_list"]), "--date", "2026-05-01"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Progress since {LAST} is not shown" in " ".join(result.output.split())
    book = openpyxl.load_workbook(out / THIS / f"equality-benchmark-{THIS}.xlsx")
    assert benchmark_progress.MOVEMENT_SHEET not in book.sheetnames


def test_levels_words_cover_the_whole_ladder():
    assert progress.in_words(0, 3) == f"up from {LEVEL_LADDER[0]} to {LEVELS[-1]}"
    assert progress.in_words(2, 2) == "no change (Achieving)"
    assert progress.previous_year("2025-26") == "2024-25"
