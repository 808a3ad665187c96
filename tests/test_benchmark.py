"""The benchmark workbook, written to disk and read back as the APCC policy team would open it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from helpers import (
    FW,
    convert,
    ids_of,
    needs_libreoffice,
    recalculate,
    responses_for,
    table_rows,
)
from helpers import contrast as _contrast
from openpyxl.cell import Cell
from openpyxl.worksheet.table import Table

from pipeline import benchmark, members, national, outputs, scoring, sheets
from pipeline.returns import OBJECTIVE_COLUMNS
from pipeline.vocabulary import LEVEL_CHART_COLOURS, LEVEL_LADDER

YEAR = "2025-26"
GENERATED = dt.date(2026, 5, 1)
MEMBERS = members.load_members()
CONTACT_NAME = "Jane Example"
CONTACT_EMAIL = "jane.example@opcc.example.gov.uk"
FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","click")', "@SUM(A1)"]

# Six members with an accepted return. Theme 3 ranks are 0, 0, 1, 3, 3, 3: an even count whose
# two middle values differ, so the median must be the lower one (Developing), never an average.
ACCEPTED = {
    "avon-and-somerset": responses_for("avon-and-somerset"),
    "dorset": responses_for("dorset", {"3.1.a": "Not met"}),
    "essex": responses_for("essex", default=""),
    "kent": responses_for("kent", {ids_of(3, "Achieving")[0]: "Partially met"}),
    "lancashire": responses_for("lancashire", {"9.3.a": "Not applicable"}),
    "wiltshire": responses_for("wiltshire", {"5.1.a": "Not applicable"}, reasons={"5.1.a": "x"}),
}
WITH_WARNINGS = {"lancashire", "wiltshire"}
# Surrey's only file was rejected: its responses must not count anywhere, even if passed in.
REJECTED = {"surrey", "suffolk"}


def returns_log() -> pd.DataFrame:
    rows = [
        {
            "file": f"{code}-return.xlsx",
            "opcc_code": code,
            "verdict": "accepted with warnings" if code in WITH_WARNINGS else "accepted",
            "errors": 0,
            "warnings": 2 if code in WITH_WARNINGS else 0,
            "signoff_date": dt.date(2025, 6, 30),
            "superseded_by": "",
        }
        for code in ACCEPTED
    ]
    rows += [
        {
            "file": f"{code}.xlsx",
            "opcc_code": code,
            "verdict": "rejected",
            "errors": 1,
            "warnings": 0,
            "signoff_date": None,
            "superseded_by": "",
        }
        for code in sorted(REJECTED)
    ]
    rows += [
        {
            "file": "kent-draft.xlsx",
            "opcc_code": "kent",
            "verdict": "superseded",
            "errors": 0,
            "warnings": 0,
            "signoff_date": dt.date(2025, 5, 1),
            "superseded_by": "kent-return.xlsx",
        },
        {
            "file": "=cmd.xlsx",
            "opcc_code": "",
            "verdict": "rejected",
            "errors": 1,
            "warnings": 0,
            "signoff_date": None,
            "superseded_by": "",
        },
    ]
    log = pd.DataFrame(rows).sort_values("file", ignore_index=True)
    # Columns a richer log may carry: none of them belongs in a shared benchmark.
    return log.assign(
        path="/home/apcc/input/" + log["file"],
        contact_name=CONTACT_NAME,
        contact_email=CONTACT_EMAIL,
    )


def objective(code: str, number: int, text: str, measure: str, commentary: str, row: int) -> dict:
    return {
        "opcc_code": code,
        "number": number,
        "objective": text,
        "related_themes": "3, 13",
        "measure": measure,
        "baseline": "2.1",
        "target": "Halve the gap by 2027",
        "progress": "On track",
        "commentary": commentary,
        "sheet": "Objectives",
        "row": row,
    }


def objectives() -> pd.DataFrame:
    rows = [
        objective("kent", 2, "Widen engagement", FORMULAS[1], "", 6),
        objective("kent", 1, FORMULAS[0], "Stop and search disparity", FORMULAS[2], 5),
        objective("dorset", 1, "Representative workforce", "Staff survey", FORMULAS[3], 5),
        objective("surrey", 1, "From a rejected return", "", "", 5),
    ]
    return pd.DataFrame(rows, columns=OBJECTIVE_COLUMNS)


def inputs() -> dict:
    responses = pd.concat(
        [*ACCEPTED.values(), responses_for("surrey", default="Met")], ignore_index=True
    )
    return {
        "members": MEMBERS,
        "returns_log": returns_log(),
        "scores": scoring.score(responses, FW),
        "responses": responses,
        "objectives": objectives(),
        "framework": FW,
        "year": YEAR,
        "generated": GENERATED,
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("benchmark")
    return benchmark.write_benchmark(folder / "benchmark-2025-26.xlsx", **inputs())


@pytest.fixture(scope="module")
def book(written) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written)


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """The members' edition of the same batch."""
    folder = tmp_path_factory.mktemp("members")
    name = benchmark.file_name(YEAR, benchmark.MEMBERS_EDITION)
    return benchmark.write_benchmark(folder / name, **inputs(), edition=benchmark.MEMBERS_EDITION)


@pytest.fixture(scope="module")
def shared_book(shared) -> openpyxl.Workbook:
    return openpyxl.load_workbook(shared)


def all_text(book: openpyxl.Workbook) -> str:
    """Every cell's text and every chart title of a workbook, one line each."""
    texts = [
        str(cell.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    texts += [ws.title for ws in book.worksheets]
    return "\n".join(texts)


def cover_rows(book: openpyxl.Workbook) -> dict[str, str]:
    """The cover's label -> text pairs (column A -> column B)."""
    ws = book["Cover"]
    return {
        str(a.value): str(b.value)
        for a, b in ws.iter_rows(min_col=1, max_col=2)
        if a.value is not None and b.value is not None
    }


def test_sheets_are_in_order_with_tables_and_frozen_headers(book):
    assert book.sheetnames == [
        "Cover",
        "Levels",
        "National summary",
        "Theme charts",
        "Region charts",
        "Criteria",
        "Regions",
        "Objectives",
        "Returns",
    ]
    for sheet in ("Levels", "Criteria", "Objectives", "Returns", "Regions"):
        ws = book[sheet]
        table = ws.tables[f"{sheet}Table"]
        assert table.ref.startswith(f"A{benchmark.HEADER_ROW}:")
        assert table.autoFilter is not None
        assert ws.freeze_panes.endswith(str(benchmark.HEADER_ROW + 1))
    assert book["Levels"].freeze_panes == f"C{benchmark.HEADER_ROW + 1}"
    assert book.properties.creator == "APCC"
    assert book.properties.created == dt.datetime(2026, 5, 1)


def test_levels_lists_all_43_members_with_their_status_and_scored_levels(book):
    rows = table_rows(book["Levels"], "LevelsTable")
    assert [r["Member code"] for r in rows] == MEMBERS["code"].tolist()
    assert len(rows) == 43
    status = {r["Member code"]: r["Return status"] for r in rows}
    assert status["kent"] == "accepted"  # its superseded draft does not matter
    assert status["lancashire"] == "accepted with warnings"
    assert status["surrey"] == status["suffolk"] == "rejected"
    assert status["west-midlands"] == "no return"
    assert sum(s == "no return" for s in status.values()) == 43 - len(ACCEPTED) - len(REJECTED)

    themes = scoring.score(pd.concat(ACCEPTED.values()), FW).themes
    sections = scoring.score(pd.concat(ACCEPTED.values()), FW).sections
    for row in rows:
        code = row["Member code"]
        for theme in FW.themes:
            got = row[benchmark.theme_label(theme.number, theme.title)]
            if code in ACCEPTED:
                expected = themes.loc[
                    (themes["opcc_code"] == code) & (themes["theme"] == theme.number), "level"
                ].item()
                assert got == expected
            else:
                assert got is None
        for section in FW.sections:
            got = row[benchmark.section_label(section.number, section.title)]
            if code in ACCEPTED:
                assert (
                    got
                    == sections.loc[
                        (sections["opcc_code"] == code) & (sections["section"] == section.number),
                        "level",
                    ].item()
                )
            else:
                assert got is None
    by_code = {r["Member code"]: r for r in rows}
    assert by_code["dorset"]["3 Effective Community Engagement"] == "Not yet Developing"
    assert by_code["dorset"]["Themes at Advancing"] == 15
    assert by_code["essex"]["Themes at Not yet Developing"] == 16
    assert by_code["essex"][benchmark.SATISFIED_COLUMN] == 0
    assert by_code["avon-and-somerset"][benchmark.SATISFIED_COLUMN] == 1
    assert by_code["lancashire"]["Not applicable claims"] == 1
    assert by_code["surrey"][benchmark.SATISFIED_COLUMN] is None
    assert by_code["surrey"]["Themes at Advancing"] is None


def test_level_cells_are_coloured_by_level_with_the_word_visible(book):
    ws = book["Levels"]
    seen = set()
    for row in ws.iter_rows(min_row=benchmark.HEADER_ROW + 1):
        for cell in row:
            if cell.value in benchmark.LEVEL_FILLS:
                assert cell.fill.fgColor.rgb.endswith(benchmark.LEVEL_FILLS[cell.value])
                assert cell.font.color.rgb.endswith(benchmark.TEXT_COLOUR)
                seen.add(cell.value)
    assert seen == set(LEVEL_LADDER)
    assert len(set(benchmark.LEVEL_FILLS.values())) == len(LEVEL_LADDER)


def test_national_counts_add_up_to_members_with_a_return_and_median_is_the_lower_middle(book):
    ws = book["National summary"]
    rows = table_rows(ws, "NationalThemesTable")
    assert [r["Theme"] for r in rows] == [f"{t.number} {t.title}" for t in FW.themes]
    for row in rows:
        counts = [row[f"Members at {level}"] for level in LEVEL_LADDER]
        assert sum(counts) == row["Members with an accepted return"] == len(ACCEPTED)
    theme3 = rows[2]
    assert [theme3[f"Members at {level}"] for level in LEVEL_LADDER] == [2, 1, 0, 3]
    assert theme3["Median level"] == "Developing"
    assert rows[0]["Median level"] == "Advancing"  # ranks 0, 3, 3, 3, 3, 3
    sections = table_rows(ws, "NationalSectionsTable")
    assert len(sections) == 4
    assert all(r["Members with an accepted return"] == len(ACCEPTED) for r in sections)
    note = ws.cell(2, 1).value
    assert "lower of the two middle levels" in note and "6 members" in note


def test_national_summary_has_a_native_stacked_bar_chart(written):
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    with zipfile.ZipFile(written) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        roots = [ElementTree.fromstring(archive.read(name)) for name in charts]
    stacked = [r for r in roots if r.find(".//c:grouping", ns).get("val") == "stacked"]
    assert len(stacked) == 1
    root = stacked[0]
    bar = root.find(".//c:barChart", ns)
    assert bar.find("c:barDir", ns).get("val") == "bar"
    assert bar.find("c:grouping", ns).get("val") == "stacked"
    assert bar.find("c:overlap", ns).get("val") == "100"
    series = bar.findall("c:ser", ns)
    assert len(series) == len(LEVEL_LADDER)
    categories = series[0].find("c:cat//c:f", ns).text
    assert categories == "'National summary'!$A$5:$A$20"
    fills = [s.find("c:spPr/{*}solidFill/{*}srgbClr", ns).get("val") for s in series]
    assert fills == [LEVEL_CHART_COLOURS[level] for level in LEVEL_LADDER]
    assert [s.find("c:tx//c:v", ns).text for s in series] == list(LEVEL_LADDER)
    # Every segment is labelled with its count, except the segments of no members.
    theme_rows = table_rows(
        openpyxl.load_workbook(written)["National summary"], "NationalThemesTable"
    )
    for level, ser in zip(LEVEL_LADDER, series, strict=True):
        labels = ser.find("c:dLbls", ns)
        assert labels.find("c:showVal", ns).get("val") == "1"
        hidden = {int(d.find("c:idx", ns).get("val")) for d in labels.findall("c:dLbl", ns)}
        zeros = {i for i, r in enumerate(theme_rows) if r[f"Members at {level}"] == 0}
        assert hidden == zeros, level


def test_criteria_are_ranked_within_level_developing_first_least_met_first(book):
    rows = table_rows(book["Criteria"], "CriteriaTable")
    assert len(rows) == len(FW.criteria)
    levels = [r["Level"] for r in rows]
    assert levels == sorted(levels, key=LEVEL_LADDER.index)
    assert levels[0] == "Developing" and levels[-1] == "Advancing"
    assert levels.count("Developing") == sum(c.level == "Developing" for c in FW.criteria)
    for level in LEVEL_LADDER[1:]:
        within = [r for r in rows if r["Level"] == level]
        shares = [r["Share satisfying it"] for r in within]
        assert shares == sorted(shares), level
        assert [r["Rank in level"] for r in within] == list(range(1, len(within) + 1))
    # Some Achieving criterion is less met than some Developing one: level comes first.
    developing = [r["Share satisfying it"] for r in rows if r["Level"] == "Developing"]
    achieving = [r["Share satisfying it"] for r in rows if r["Level"] == "Achieving"]
    assert min(achieving) < max(developing)
    assert {r["Members with an accepted return"] for r in rows} == {len(ACCEPTED)}
    first = rows[0]
    # 3.1.a: Dorset Not met and Essex blank -> 4 of 6 (Surrey's rejected return is left out).
    assert (first["Criterion"], first["Members satisfying it"]) == ("3.1.a", 4)
    na = {r["Criterion"]: r["Not applicable claims"] for r in rows}
    assert na["9.3.a"] == na["5.1.a"] == 1
    ws = book["Criteria"]
    header = [c.value for c in ws[benchmark.HEADER_ROW]]
    share = ws.cell(benchmark.HEADER_ROW + 1, header.index("Share satisfying it") + 1)
    assert share.number_format == "0%"


def test_regions_summarise_every_member_and_return(book):
    rows = table_rows(book["Regions"], "RegionsTable")
    assert [r["Region"] for r in rows] == list(members.REGIONS)
    assert sum(r["Members in the region"] for r in rows) == 43
    assert sum(r["Members with an accepted return"] for r in rows) == len(ACCEPTED)
    themes_at = [f"Themes at {level}" for level in LEVEL_LADDER]
    assert sum(r[c] for r in rows for c in themes_at) == 16 * len(ACCEPTED)
    south_east = next(r for r in rows if r["Region"] == "South East")  # Kent alone
    assert south_east["Members with an accepted return"] == 1
    assert south_east["Section 1 median level"] == "Developing"


def test_objectives_are_text_never_formulas(book, written):
    rows = table_rows(book["Objectives"], "ObjectivesTable")
    assert [(r["Member code"], r["No."]) for r in rows] == [("dorset", 1), ("kent", 1), ("kent", 2)]
    kent = rows[1]
    assert kent["Objective"] == "=1+1"
    assert kent["Policing body"] == "Kent Police and Crime Commissioner"
    assert rows[2]["Measure"] == FORMULAS[1]
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
    with zipfile.ZipFile(written) as archive:
        sheets = [n for n in archive.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml", n)]
        for name in sheets:
            assert "<f>" not in archive.read(name).decode(), name


def test_returns_list_files_and_members_with_no_return(book):
    rows = table_rows(book["Returns"], "ReturnsTable")
    files = [r for r in rows if r["File"]]
    assert len(files) == len(returns_log())
    kent = {r["File"]: r for r in rows if r["Member code"] == "kent"}
    assert kent["kent-draft.xlsx"]["Status"] == "superseded"
    assert kent["kent-draft.xlsx"]["Superseded by"] == "kent-return.xlsx"
    assert kent["kent-return.xlsx"]["Supersedes"] == "kent-draft.xlsx"
    assert kent["kent-return.xlsx"]["Sign-off date"] == dt.datetime(2025, 6, 30)
    assert rows[-1]["File"] == "=cmd.xlsx" and rows[-1]["Member code"] is None
    no_return = [r["Member code"] for r in rows if r["Status"] == "no return"]
    assert len(no_return) == 43 - len(ACCEPTED) - len(REJECTED)
    assert "west-midlands" in no_return
    assert all(r["File"] is None for r in rows if r["Status"] == "no return")


def test_no_personal_data_or_paths_anywhere(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = str(cell.value or "")
                assert CONTACT_NAME not in text and "@opcc" not in text, cell.coordinate
                assert "/home/apcc" not in text and "contact" not in text.lower()


def test_the_same_inputs_give_the_same_bytes(tmp_path, written):
    again = benchmark.write_benchmark(tmp_path / "again.xlsx", **inputs())
    assert outputs.sha256_file(again) == outputs.sha256_file(written)


@pytest.mark.parametrize("edition", benchmark.EDITIONS)
def test_tables_written_as_saved_give_the_bytes_of_a_book_holding_every_cell(tmp_path, edition):
    """write_benchmark leaves the long tables' rows out of the sheets and writes them as it
    saves (sheets.Tail); a book built with every cell in its sheets must save the same."""
    streamed = benchmark.write_benchmark(
        tmp_path / "streamed.xlsx", **inputs(), edition=edition, demo=True
    )
    whole = benchmark.build_benchmark(**inputs(), edition=edition, demo=True)
    assert whole["Levels"].max_row > benchmark.HEADER_ROW + 40  # the stored book holds the rows
    held = outputs.save_workbook(whole, tmp_path / "whole.xlsx")
    assert streamed.read_bytes() == held.read_bytes()
    levels = table_rows(openpyxl.load_workbook(streamed)["Levels"], "LevelsTable")
    assert len(levels) == len(MEMBERS)


def test_saving_a_table_whose_body_is_a_tail_stores_none_of_its_cells(tmp_path):
    """openpyxl names a table's columns from `ws[table.ref]`, which would make a cell in the
    sheet for every cell of the table, and hold a table of thousands of rows after all."""
    book = openpyxl.Workbook()
    ws = book.active
    for column, label in enumerate(["Member", "Level"], start=1):
        sheets.put_cell(ws, 1, column, label)
    count = 500

    def body():
        for row in range(2, count + 2):
            cells = [sheets.write(Cell(ws, row, 1), f"m{row}"), sheets.write(Cell(ws, row, 2), 3)]
            yield row, cells, None

    ws.add_table(Table(displayName="T", ref=f"A1:B{count + 1}"))
    path = sheets.save_with_tails(
        book, tmp_path / "tail.xlsx", {ws: sheets.Tail(2, count + 1, 2, body)}
    )
    assert sorted(ws._cells) == [(1, 1), (1, 2)]
    again = openpyxl.load_workbook(path).active
    assert [c.name for c in again.tables["T"].tableColumns] == ["Member", "Level"]
    assert again.max_row == count + 1 and again.cell(count + 1, 1).value == f"m{count + 1}"


def test_a_tail_must_start_below_the_rows_its_sheet_holds(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws["A3"] = "held"
    early = sheets.Tail(2, 2, 1, lambda: iter([(2, [sheets.write(Cell(ws, 2, 1), "x")], None)]))
    with pytest.raises(ValueError, match="below the sheet's last row"):
        sheets.save_with_tails(book, tmp_path / "early.xlsx", {ws: early})
    assert not (tmp_path / "early.xlsx").exists()


def test_a_batch_with_no_accepted_return_still_gives_a_benchmark(tmp_path):
    log = returns_log().query("verdict == 'rejected'")
    empty = pd.DataFrame(columns=responses_for("x").columns)
    path = benchmark.write_benchmark(
        tmp_path / "b.xlsx",
        members=MEMBERS,
        returns_log=log,
        scores=scoring.score(empty, FW),
        responses=empty,
        objectives=pd.DataFrame(columns=OBJECTIVE_COLUMNS),
        framework=FW,
        year=YEAR,
        generated=GENERATED,
    )
    book = openpyxl.load_workbook(path)
    statuses = {r["Return status"] for r in table_rows(book["Levels"], "LevelsTable")}
    assert statuses == {"rejected", "no return"}
    national = table_rows(book["National summary"], "NationalThemesTable")
    assert {r["Members with an accepted return"] for r in national} == {0}
    assert {r["Median level"] for r in national} == {None}


def test_a_bad_year_or_log_is_refused():
    with pytest.raises(benchmark.BenchmarkError, match="2025-26"):
        benchmark.build_benchmark(**{**inputs(), "year": "2025"})
    with pytest.raises(benchmark.BenchmarkError, match="verdict"):
        benchmark.build_benchmark(
            **{**inputs(), "returns_log": returns_log().drop(columns="verdict")}
        )


def test_lower_median_never_averages():
    assert national.median_level([0, 3]) == "Not yet Developing"
    assert national.median_level([3, 1, 2]) == "Achieving"
    assert national.median_level([]) == ""


@needs_libreoffice
@pytest.mark.libreoffice
def test_libreoffice_opens_the_benchmark_and_keeps_its_tables(written, tmp_path):
    converted = recalculate([written], tmp_path / "lo")[0]
    book = openpyxl.load_workbook(converted)
    assert book.sheetnames[:3] == ["Cover", "Levels", "National summary"]
    rows = table_rows(book["Levels"], next(iter(book["Levels"].tables)))
    assert len(rows) == 43
    assert {r["Return status"] for r in rows} == {
        "accepted",
        "accepted with warnings",
        "rejected",
        "no return",
    }
    assert book["Objectives"]["D6"].value == "=1+1"
    with zipfile.ZipFile(converted) as archive:
        assert any(n.startswith("xl/charts/") for n in archive.namelist())


def test_both_editions_open_on_a_cover_that_says_what_they_are(book, shared_book):
    for edition, workbook in ((benchmark.INTERNAL, book), (benchmark.MEMBERS_EDITION, shared_book)):
        assert workbook.sheetnames[0] == "Cover" and workbook.active.title == "Cover"
        ws = workbook["Cover"]
        assert ws["A1"].value == f"Equality Framework benchmark {YEAR}"
        assert ws["A2"].value == benchmark.EDITION_NAMES[edition]
        rows = cover_rows(workbook)
        assert rows["Reporting year"] == YEAR
        assert rows["Framework edition"] == FW.edition
        assert rows["Generated"] == "1 May 2026"
        assert rows["Members with an accepted return"] == f"{len(ACCEPTED)} of 43"
        for name in workbook.sheetnames[1:]:
            assert rows[name], name  # every other sheet is described
        text = all_text(workbook)
        for caveat in ("Self-assessed, not audited", "Levels are cumulative", "no overall level"):
            assert caveat in text
    assert cover_rows(book)["Edition"] == "APCC internal"
    assert cover_rows(shared_book)["Edition"] == "Members'"
    assert benchmark.file_name(YEAR, benchmark.MEMBERS_EDITION) in all_text(book)


def test_the_members_edition_has_no_verdicts_warnings_or_file_names(shared_book, book):
    assert shared_book.sheetnames == [n for n in book.sheetnames if n != "Returns"]
    text = all_text(shared_book).lower()
    for word in ("rejected", "warning", "superseded", "verdict", "errors", "no return"):
        assert word not in text, word
    for name in returns_log()["file"]:
        assert name.lower() not in text, name
    assert CONTACT_NAME.lower() not in text and CONTACT_EMAIL not in text
    rows = table_rows(shared_book["Levels"], "LevelsTable")
    assert "Return status" not in rows[0]
    accepted = {r["Member code"]: r[benchmark.SHARED_STATUS_COLUMN] for r in rows}
    assert {code for code, yes in accepted.items() if yes == "Yes"} == set(ACCEPTED)
    assert accepted["surrey"] == accepted["west-midlands"] == "No"  # rejected looks like none
    # The figures are the internal edition's.
    for sheet, table in (
        ("National summary", "NationalThemesTable"),
        ("Criteria", "CriteriaTable"),
    ):
        assert table_rows(shared_book[sheet], table) == table_rows(book[sheet], table)
    # The internal edition keeps what the members' edition leaves out.
    internal = all_text(book)
    assert "accepted with warnings" in internal and "surrey.xlsx" in internal


def test_every_sheet_prints_on_a4_fitted_to_width_with_titles_repeated(book, shared_book):
    for workbook in (book, shared_book):
        for ws in workbook.worksheets:
            setup = ws.page_setup
            assert int(setup.paperSize) == 9, ws.title  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert int(setup.fitToHeight) == 0, ws.title  # as many pages down as it takes
            assert int(setup.fitToWidth) == (3 if ws.title == "Levels" else 1), ws.title
            assert setup.orientation == ("portrait" if ws.title == "Cover" else "landscape")
            area = ws.print_area
            assert area and area.split("!")[0].strip("'") == ws.title
            assert "Page &P of &N" in ws.oddFooter.right.text
            if ws.tables and ws.title != "National summary":
                assert ws.print_title_rows == f"${benchmark.HEADER_ROW}:${benchmark.HEADER_ROW}"
            if ws.title.endswith("charts"):
                assert ws.print_title_rows == "$1:$2"
        assert workbook["Levels"].print_title_cols == "$A:$A"  # the member code on every page


def _colour(fill) -> str:
    return str(fill.solidFill.srgbClr if hasattr(fill.solidFill, "srgbClr") else fill.solidFill)


def test_a_labelled_chart_per_theme_and_per_region_in_readable_colours(shared_book, book):
    regions = table_rows(book["Regions"], "RegionsTable")
    for workbook in (book, shared_book):
        themes = workbook["Theme charts"]._charts
        by_region = workbook["Region charts"]._charts
        assert len(themes) == len(FW.themes) and len(by_region) == len(regions)
        for chart in [*themes, *by_region]:
            assert chart.dataLabels.showVal and not chart.dataLabels.showSerName
            (series,) = chart.series
            fills = [_colour(point.graphicalProperties) for point in series.dPt]
            assert fills == [LEVEL_CHART_COLOURS[level] for level in LEVEL_LADDER]
        titles = [
            "".join(run.t for p in c.title.tx.rich.p for run in p.r) for c in [*themes, *by_region]
        ]
        assert titles[0] == "1 Collecting and Sharing Information"
        assert "South East (1 member with an accepted return)" in titles
    # The charts read the figures written beside them: theme 3 is 2, 1, 0, 3.
    ws = book["Theme charts"]
    ref = themes[2].series[0].val.numRef.f
    cells = ws[ref.split("!")[1].replace("$", "")]
    assert [c.value for c in cells[0]] == [2, 1, 0, 3]


def test_chart_colours_stand_out_from_white_and_carry_dark_labels():
    assert list(LEVEL_CHART_COLOURS) == list(LEVEL_LADDER)
    for level, colour in LEVEL_CHART_COLOURS.items():
        assert _contrast(colour, "FFFFFF") >= 3, level
        assert _contrast(colour, benchmark.INK) >= 4.5, level
    assert len(set(LEVEL_CHART_COLOURS.values())) == len(LEVEL_LADDER)


def test_an_unknown_edition_is_refused():
    with pytest.raises(benchmark.BenchmarkError, match="members"):
        benchmark.build_benchmark(**inputs(), edition="public")


@needs_libreoffice
@pytest.mark.libreoffice
def test_both_editions_render_to_a4_pdf(written, shared, tmp_path):
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler (pdfinfo, pdftotext) not found")
    pdfs = convert([written, shared], "pdf", tmp_path / "pdf")
    for pdf, workbook in zip(pdfs, (written, shared), strict=True):
        info = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True
        ).stdout
        sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert len(sizes) >= len(openpyxl.load_workbook(workbook).sheetnames)
        shapes = {tuple(round(float(v)) for v in size) for size in sizes}
        assert shapes == {(595, 842), (842, 595)}, shapes  # A4: the cover upright, the rest wide
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        assert f"Equality Framework benchmark {YEAR}" in text
        assert "Members with an accepted return" in text
        assert ("surrey.xlsx" in text) == (workbook == written)
