"""The national benchmark workbook: every member's levels side by side, in two editions.

The APCC's internal edition carries every return's verdict, warnings and the rejected files; the
members' edition, shared with the 43 members, says only which members have an accepted return.
Both open on a cover sheet (what it is, the caveats), print on A4 and chart every theme and region.

The frames each sheet shows are built by pure functions (`member_statuses`, `levels_table`,
`national_summary`, `regions_summary`, ...); `build_benchmark` only lays them out with openpyxl.
Levels come from `scoring`; this module never decides one. No contact names or emails are written,
and every string is stored as text, so a return's `=HYPERLINK(...)` never becomes a formula.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from copy import copy
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabel, DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
    RichTextProperties,
)
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import (
    benchmark_progress,
    layout,
    marks,
    national,
    scoring,
    sheets,
    validate,
    vocabulary,
)
from pipeline.framework import Framework
from pipeline.members import REGIONS
from pipeline.progress import Progress
from pipeline.vocabulary import (
    ACCEPTED,
    LEVEL_CHART_COLOURS,
    LEVEL_FILLS,
    LEVEL_LADDER,
    LEVEL_RANK,
    REJECTED,
    SUPERSEDED,
)
from pipeline.vocabulary import WITH_WARNINGS as ACCEPTED_WITH_WARNINGS

#: The two editions one run writes: the APCC's own, and the one shared with the members.
INTERNAL = "internal"
MEMBERS_EDITION = "members"
EDITIONS = (INTERNAL, MEMBERS_EDITION)
EDITION_NAMES = {
    INTERNAL: "APCC internal edition: return verdicts, warnings and rejected files; not for "
    "circulation to members",
    MEMBERS_EDITION: "Members' edition: for the 43 members; it shows which members have an "
    "accepted return and the national picture",
}

NO_RETURN = "no return"
#: A member's status is the best verdict among its files, in this order.
STATUS_ORDER = (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SUPERSEDED, NO_RETURN)
SCORED = (ACCEPTED, ACCEPTED_WITH_WARNINGS)
#: The returns log as `validate` makes it, less the full paths (they stay out of the benchmark).
LOG_COLUMNS = [c for c in validate.LOG_COLUMNS if c != "path"]

YES, NO = "Yes", "No"
STATUS_FILLS: dict[str, str] = {
    ACCEPTED_WITH_WARNINGS: "FFF2CC",
    REJECTED: "F4CCCC",
    SUPERSEDED: "E7E6E6",
    NO_RETURN: "E7E6E6",
    NO: "E7E6E6",
}
#: What the counts count, said in every header that shows one.
ACCEPTED_COLUMN = "Members with an accepted return"
#: The members' edition's Levels column, in place of the return's verdict.
SHARED_STATUS_COLUMN = "Accepted return"
TEXT_COLOUR = "1F1F1F"
HEADER_FILL = "D9E1F2"
FONT = "Calibri"
HEADER_ROW = 4
AUTHOR = "APCC"
SATISFIED_COLUMN = "Share of criteria satisfied"
ABOVE_COLUMN = "Share of themes at Achieving or above"
#: Chart ink (data labels, titles, axes) and bar outlines.
INK = "1A1A1A"
OUTLINE = "404040"
#: The height of a default row (15 points), in centimetres: charts are sized in whole rows.
ROW_CM = 0.53
STACKED_CHART_ROWS = 28
#: The small charts' grid: CHARTS_ACROSS charts per row, each CHART_COLUMNS columns of
#: CHART_COLUMN_WIDTH wide and CHART_ROWS rows high; CHART_ROWS_PER_PAGE grid rows per A4 page.
CHARTS_ACROSS = 3
CHART_COLUMNS = 5
CHART_COLUMN_WIDTH = 11
CHART_ROWS = 13
CHART_ROWS_PER_PAGE = 3
#: The column (1-based) of a chart data block's first count; its label fills the columns before.
DATA_FIRST = 5

#: What each sheet shows, for the cover; a sheet not named here is described by its title.
SHEET_ABOUT: dict[str, str] = {
    "Levels": "One row per member: {status}, the level of each theme and section (the word and "
    "a colour), how many themes stand at each level and the share of criteria satisfied.",
    "National summary": "Per theme and per section: members with an accepted return at each "
    "level, and the median level; then a stacked bar chart of every theme.",
    "Theme charts": "One chart per theme: members with an accepted return at each level.",
    "Region charts": "One chart per region: the themes of its members with an accepted return "
    "at each level.",
    "Criteria": "Every criterion: how many members satisfy it, ranked within its level, "
    "Developing first and least met first: where members most need support.",
    "Regions": "Per region: members, members with an accepted return, their themes at each "
    "level and each section's median level.",
    "Objectives": "Every equality objective of the members with an accepted return, as "
    "written, to share good practice.",
    "Returns": "Every file received, its status (accepted, with warnings, rejected, "
    "superseded), sign-off date, errors and warnings, and the members with no return.",
}
STATUS_ABOUT = {
    INTERNAL: "its return status (accepted, accepted with warnings, rejected, superseded or no "
    "return)",
    MEMBERS_EDITION: "whether it has an accepted return",
}
CAVEATS = (
    "Self-assessed, not audited: each member assessed itself against the framework, and "
    "neither the APCC nor anyone else has checked the evidence.",
    "Levels are cumulative: a theme is at a level only when every criterion at that level and "
    "at every level below is satisfied (Met, or Not applicable with a reason). A section is at "
    "the lowest of its themes' levels.",
    "There is no overall level: the framework gives levels to themes and sections only, so "
    "members are not ranked; count the themes at each level instead.",
    "Only accepted returns are counted: a member without one has no levels and is in no count "
    "or median.",
    "Median level: the middle level of the members with an accepted return; with an even "
    "number, the lower of the two middle levels. Levels are never averaged.",
)
EDITION_CAVEATS = {
    INTERNAL: "This edition is for the APCC: it names rejected files and warnings. Share the "
    "members' edition ({members_file}) with members.",
    MEMBERS_EDITION: "This edition shows only whether each member has an accepted return; "
    "what the checks found in each return is between the APCC and that member.",
}

MEDIAN_NOTE = (
    "Median level: the middle of the levels of the {count} members with an accepted return. "
    "With an even number of members the lower of the two middle levels is shown; levels are "
    "never averaged."
)
LEVELS_NOTE = (
    "One row per member. Levels are cumulative: a theme is at a level only when every criterion "
    "at that level and below is satisfied; a section is at the lowest of its themes' levels."
)


class BenchmarkError(ValueError):
    """Inputs that cannot make a benchmark: the message says what is missing."""


def member_statuses(members: pd.DataFrame, returns_log: pd.DataFrame) -> pd.DataFrame:
    """One row per member: its return status, the best verdict among its files, or no return."""
    rank = {status: index for index, status in enumerate(STATUS_ORDER)}
    best = (
        returns_log.assign(rank=returns_log["verdict"].map(rank)).groupby("opcc_code")["rank"].min()
    )
    status = members["code"].map(best).fillna(rank[NO_RETURN]).astype(int)
    return pd.DataFrame(
        {"code": members["code"], "status": status.map(dict(enumerate(STATUS_ORDER)))}
    ).sort_values("code", ignore_index=True)


def scored_codes(statuses: pd.DataFrame) -> list[str]:
    """Members whose levels are shown: those with an accepted return."""
    return sorted(statuses.loc[statuses["status"].isin(SCORED), "code"])


def theme_label(number: int, title: str) -> str:
    """A theme's column header and row label, unique and in the framework's words."""
    return f"{number} {title}"


def section_label(number: int, title: str) -> str:
    """A section's column header and row label."""
    return f"Section {number}: {title}"


def _themes_at(level: str) -> str:
    return f"Themes at {level}"


def members_at(level: str) -> str:
    """The header of a count of members at `level`."""
    return f"Members at {level}"


def levels_table(
    members: pd.DataFrame, statuses: pd.DataFrame, scores: scoring.Scores, framework: Framework
) -> pd.DataFrame:
    """The Levels sheet: each member's status, theme and section levels, profile and progress."""
    codes = scored_codes(statuses)
    themes = scores.themes[scores.themes["opcc_code"].isin(codes)]
    sections = scores.sections[scores.sections["opcc_code"].isin(codes)]
    theme_levels = themes.pivot(index="opcc_code", columns="theme", values="level").reindex(
        columns=[t.number for t in framework.themes]
    )
    theme_levels.columns = [theme_label(t.number, t.title) for t in framework.themes]
    section_levels = sections.pivot(index="opcc_code", columns="section", values="level").reindex(
        columns=[s.number for s in framework.sections]
    )
    section_levels.columns = [section_label(s.number, s.title) for s in framework.sections]
    profile = scoring.level_profile(themes).set_index("opcc_code")
    profile.columns = [_themes_at(level) for level in LEVEL_LADDER]
    by_member = themes.groupby("opcc_code")
    satisfied = sum(by_member[f"{lv.lower()}_satisfied"].sum() for lv in LEVEL_LADDER[1:])
    totals = sum(by_member[f"{lv.lower()}_total"].sum() for lv in LEVEL_LADDER[1:])
    progress = pd.DataFrame(
        {
            SATISFIED_COLUMN: satisfied / totals,
            "Not applicable claims": by_member["not_applicable"].sum(),
        }
    )
    table = (
        members[["code", "policing_body", "force_area", "region"]]
        .merge(statuses, on="code", how="left")
        .sort_values("code", ignore_index=True)
        .set_index("code")
        .join([theme_levels, section_levels, profile, progress])
    )
    for column in [*profile.columns, "Not applicable claims"]:
        table[column] = table[column].astype("Int64")
    table = table.reset_index().rename(
        columns={
            "code": "Member code",
            "policing_body": "Policing body",
            "force_area": "Force area",
            "region": "Region",
            "status": "Return status",
        }
    )
    return table


def shared_levels(table: pd.DataFrame) -> pd.DataFrame:
    """The Levels sheet of the members' edition: whether each member has an accepted return, in
    place of its return's verdict (rejected and no return look alike)."""
    accepted = table["Return status"].isin(SCORED).map({True: YES, False: NO})
    table = table.drop(columns="Return status")
    table.insert(table.columns.get_loc("Region") + 1, SHARED_STATUS_COLUMN, accepted)
    return table


def _count_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """Level counts headed by what they count."""
    return frame.rename(
        columns={
            **{level: members_at(level) for level in LEVEL_LADDER},
            national.MEMBERS_COLUMN: ACCEPTED_COLUMN,
        }
    )


def national_summary(themes: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per theme: how many members stand at each level, and the median level."""
    labels = pd.DataFrame(
        {
            "Theme": [theme_label(t.number, t.title) for t in framework.themes],
            "Section": [t.section for t in framework.themes],
        }
    )
    counts = national.theme_counts(themes, framework).reset_index(drop=True)
    return _count_headers(pd.concat([labels, counts], axis=1))


def section_summary(sections: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per section: how many members stand at each level, and the median level."""
    labels = pd.DataFrame(
        {"Section": [section_label(s.number, s.title) for s in framework.sections]}
    )
    counts = national.section_counts(sections, framework).reset_index(drop=True)
    return _count_headers(pd.concat([labels, counts], axis=1))


def regions_summary(
    members: pd.DataFrame, statuses: pd.DataFrame, scores: scoring.Scores, framework: Framework
) -> pd.DataFrame:
    """Per region: members, returns, themes at each level and each section's median level."""
    codes = scored_codes(statuses)
    region_of = members.set_index("code")["region"]
    themes = scores.themes[scores.themes["opcc_code"].isin(codes)]
    themes = themes.assign(region=themes["opcc_code"].map(region_of))
    sections = scores.sections[scores.sections["opcc_code"].isin(codes)]
    sections = sections.assign(region=sections["opcc_code"].map(region_of))
    present = set(members["region"])
    regions = [r for r in REGIONS if r in present] + sorted(present - set(REGIONS))

    table = pd.DataFrame({"Region": regions})
    table["Members in the region"] = [int((members["region"] == r).sum()) for r in regions]
    table[ACCEPTED_COLUMN] = [int(region_of[codes].eq(r).sum()) for r in regions]
    counts = (
        pd.crosstab(themes["region"], themes["level_rank"])
        .reindex(index=regions, columns=range(len(LEVEL_LADDER)), fill_value=0)
        .astype(int)
    )
    for rank, level in enumerate(LEVEL_LADDER):
        table[_themes_at(level)] = counts[rank].to_numpy()
    scored_themes = counts.sum(axis=1)
    at_least_achieving = counts.loc[:, LEVEL_RANK["Achieving"] :].sum(axis=1)
    table[ABOVE_COLUMN] = (at_least_achieving / scored_themes.where(scored_themes > 0)).to_numpy()
    for section in framework.sections:
        in_section = sections[sections["section"] == section.number]
        table[f"Section {section.number} median level"] = [
            national.median_level(in_section.loc[in_section["region"] == r, "level_rank"])
            for r in regions
        ]
    return table


def criteria_table(
    responses: pd.DataFrame, statuses: pd.DataFrame, framework: Framework
) -> pd.DataFrame:
    """The Criteria sheet: each criterion's uptake, ranked within its level, Developing first
    (a Developing gap keeps a theme below every level), least met first within a level."""
    scored = responses.loc[
        responses["opcc_code"].isin(scored_codes(statuses)), scoring.UPTAKE_COLUMNS
    ]  # the columns the uptake reads: a copy of every column was megabytes at once
    # `criterion_uptake` sorts least met first, then framework order; a stable sort by level
    # keeps that order within each level.
    summary = national.criterion_uptake(scored, framework)
    summary = summary.sort_values("level", key=lambda s: s.map(LEVEL_RANK), kind="stable")
    summary = summary.reset_index(drop=True)
    summary.insert(0, "rank", summary.groupby("level").cumcount() + 1)
    summary = summary[
        ["level", "rank", *[c for c in summary.columns if c not in ("level", "rank")]]
    ]
    return summary.rename(
        columns={
            "rank": "Rank in level",
            "criterion_id": "Criterion",
            "section": "Section",
            "theme": "Theme",
            "theme_title": "Theme title",
            "level": "Level",
            "text": "Criterion text",
            "members": ACCEPTED_COLUMN,
            "satisfied": "Members satisfying it",
            "share_satisfied": "Share satisfying it",
            "not_applicable": "Not applicable claims",
        }
    )


def objectives_table(
    objectives: pd.DataFrame, members: pd.DataFrame, statuses: pd.DataFrame
) -> pd.DataFrame:
    """The Objectives sheet: every member's equality objectives, in the return's own order."""
    scored = objectives[objectives["opcc_code"].isin(scored_codes(statuses))]
    scored = scored.sort_values(["opcc_code", "row"], kind="stable")
    bodies = members.set_index("code")["policing_body"]
    table = pd.DataFrame(
        {
            "Member code": scored["opcc_code"],
            "Policing body": scored["opcc_code"].map(bodies),
            **{label: scored[key] for key, label in layout.OBJECTIVE_COLUMNS.items()},
        }
    )
    return table.reset_index(drop=True)


def returns_table(members: pd.DataFrame, returns_log: pd.DataFrame) -> pd.DataFrame:
    """The Returns sheet: one row per file received, then one per member with no return."""
    bodies = members.set_index("code")["policing_body"]
    log = returns_log.fillna({"superseded_by": "", "opcc_code": ""})
    superseded = log[log["superseded_by"] != ""].sort_values("file")
    supersedes = superseded.groupby("superseded_by")["file"].agg("; ".join).to_dict()
    files = pd.DataFrame(
        {
            "File": log["file"],
            "Member code": log["opcc_code"],
            "Policing body": log["opcc_code"].map(bodies),
            "Status": log["verdict"],
            "Sign-off date": log["signoff_date"],
            "Errors": log["errors"].astype("Int64"),
            "Warnings": log["warnings"].astype("Int64"),
            "Superseded by": log["superseded_by"],
            "Supersedes": [supersedes.get(name, "") for name in log["file"]],
        }
    )
    absent = members[~members["code"].isin(log["opcc_code"])]
    missing = pd.DataFrame(
        {
            "File": "",
            "Member code": absent["code"],
            "Policing body": absent["policing_body"],
            "Status": NO_RETURN,
        }
    )
    table = pd.concat([files, missing], ignore_index=True)
    # Files whose member is not on the list go last; the rest by member, then file name.
    order = pd.DataFrame({"unknown": ~table["Member code"].isin(members["code"])}).join(
        table[["Member code", "File"]].fillna("")
    )
    order = order.sort_values(["unknown", "Member code", "File"], kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def build_benchmark(
    *,
    members: pd.DataFrame,
    returns_log: pd.DataFrame,
    scores: scoring.Scores,
    responses: pd.DataFrame,
    objectives: pd.DataFrame,
    framework: Framework,
    year: str,
    generated: dt.date | None = None,
    demo: bool = False,
    edition: str = INTERNAL,
    progress: Progress | None = None,
    tails: dict[Worksheet, sheets.Tail] | None = None,
) -> Workbook:
    """The benchmark workbook in memory. `generated` (default today) is the date it carries, so a
    rerun with the same inputs and date gives the same bytes. `demo`: every sheet says DEMO.
    `edition`: INTERNAL (verdicts, warnings, the Returns sheet) or MEMBERS_EDITION (none of them).
    `progress` (this year against last year's record) adds the sheets on progress. `tails`: a
    dict that gets the bodies of the tables with a row per member, file or objective instead of
    their sheets, to be saved with `sheets.save_with_tails` (what `write_benchmark` does).
    """
    _check_inputs(returns_log, year, edition)
    internal = edition == INTERNAL
    generated = generated or dt.date.today()
    statuses = member_statuses(members, returns_log)
    codes = scored_codes(statuses)
    themes = scores.themes[scores.themes["opcc_code"].isin(codes)]
    sections = scores.sections[scores.sections["opcc_code"].isin(codes)]
    book = Workbook()
    book.remove(book.active)

    ws = _new_sheet(
        book,
        "Levels",
        f"Equality Framework benchmark {year}: levels by member",
        f"{LEVELS_NOTE} Members without an accepted return have no levels: see "
        f"{'Return status' if internal else SHARED_STATUS_COLUMN}. Framework edition "
        f"{framework.edition}; produced {generated.day} {generated:%B %Y}.",
    )
    level_columns = [theme_label(t.number, t.title) for t in framework.themes] + [
        section_label(s.number, s.title) for s in framework.sections
    ]
    levels = levels_table(members, statuses, scores, framework)
    last_row = _write_table(
        ws,
        levels if internal else shared_levels(levels),
        name="Levels",
        level_columns=level_columns,
        status_columns=["Return status", SHARED_STATUS_COLUMN],
        percent_columns=[SATISFIED_COLUMN],
        widths={
            **dict.fromkeys(level_columns, 13),
            "Member code": 18,
            "Policing body": 40,
            "Force area": 18,
            "Region": 14,
            **dict.fromkeys([_themes_at(level) for level in LEVEL_LADDER], 11),
        },
        tails=tails,
    )
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    _print(ws, pages_wide=3, title_columns="A:A", last_row=last_row)

    ws = _new_sheet(
        book,
        "National summary",
        f"National summary {year}: members at each level, by theme and by section",
        MEDIAN_NOTE.format(count=len(codes)),
    )
    by_theme = national_summary(themes, framework)
    _write_table(
        ws,
        by_theme,
        name="NationalThemes",
        level_columns=["Median level"],
        widths={"Theme": 56, **dict.fromkeys(map(members_at, LEVEL_LADDER), 13)},
    )
    below = HEADER_ROW + len(by_theme) + 3
    _put(ws, below - 1, 1, "Sections").font = _font(bold=True, size=12)
    _write_table(
        ws,
        section_summary(sections, framework),
        name="NationalSections",
        top=below,
        level_columns=["Median level"],
    )
    chart_row = below + len(framework.sections) + 2
    _stacked_chart(ws, by_theme, year, f"A{chart_row}")
    ws.row_breaks.append(Break(id=chart_row - 1))
    # Both tables fit one page, and a repeated header would only stand over the chart's page.
    _print(ws, title_rows=None, last_row=chart_row + STACKED_CHART_ROWS)

    _theme_charts(book, by_theme, year)
    regions = regions_summary(members, statuses, scores, framework)
    _region_charts(book, regions, year)

    ws = _new_sheet(
        book,
        "Criteria",
        f"Criteria {year}: where members most need support (Developing first, least met first)",
        "Ranked within each level: Developing first (a Developing gap keeps a theme below every "
        "level), then Achieving, then Advancing, each from the least met. The share is of the "
        "members with an accepted return that satisfy the criterion (Met, or Not applicable "
        "with a reason).",
    )
    _write_table(
        ws,
        criteria_table(responses, statuses, framework),
        name="Criteria",
        percent_columns=["Share satisfying it"],
        centre_columns=["Rank in level", "Section", "Theme"],
        widths={"Criterion text": 60, "Theme title": 24, ACCEPTED_COLUMN: 14},
    )
    _print(ws)

    ws = _new_sheet(
        book,
        "Regions",
        f"Regions {year}: levels by region",
        "Themes at each level across the region's members with an accepted return. A section's "
        "median level is the lower of the two middle levels when the count is even.",
    )
    _write_table(
        ws,
        regions,
        name="Regions",
        level_columns=[f"Section {s.number} median level" for s in framework.sections],
        percent_columns=[ABOVE_COLUMN],
    )
    _print(ws)

    ws = _new_sheet(
        book,
        "Objectives",
        f"Equality objectives {year}: every member's, to share good practice",
        "As written in each accepted return.",
    )
    last_row = _write_table(
        ws,
        objectives_table(objectives, members, statuses),
        name="Objectives",
        widths={
            **dict.fromkeys(("Objective", "Measure", "Commentary"), 32),
            "Policing body": 26,
        },
        tails=tails,
    )
    _print(ws, last_row=last_row)

    if internal:
        ws = _new_sheet(
            book,
            "Returns",
            f"Returns {year}: every file received, and members with no return",
            "Status: accepted, accepted with warnings, rejected (not scored), superseded "
            "(replaced by a later return from the same member) or no return.",
        )
        last_row = _write_table(
            ws,
            returns_table(members, returns_log),
            name="Returns",
            status_columns=["Status"],
            date_columns=["Sign-off date"],
            widths={"Policing body": 30, "File": 36},
            tails=tails,
        )
        _print(ws, last_row=last_row)

    if progress is not None:
        benchmark_progress.add_progress_sheets(book, progress, members)
    _cover(
        book,
        year=year,
        framework=framework,
        generated=generated,
        edition=edition,
        accepted=len(codes),
        members=len(members),
    )
    _properties(book, year, framework, generated, edition)
    if demo:
        marks.mark_workbook(book, titled=book.sheetnames)
    book.active = 0
    return book


def file_name(year: str, edition: str = INTERNAL) -> str:
    """The benchmark's file name for `edition` (a demo run adds -DEMO with `marks.demo_name`)."""
    suffix = "" if edition == INTERNAL else f"-{edition}"
    return f"equality-benchmark-{year}{suffix}.xlsx"


def write_benchmark(path: Path, **inputs: object) -> Path:
    """Build the benchmark (same keywords as `build_benchmark`) and save it atomically to `path`,
    its longest tables written row by row as it is saved, so that 4,300 members' take no more
    memory than 43."""
    tails: dict[Worksheet, sheets.Tail] = {}
    book = build_benchmark(**inputs, tails=tails)
    return sheets.save_with_tails(book, Path(path), tails)


def _check_inputs(returns_log: pd.DataFrame, year: str, edition: str) -> None:
    if edition not in EDITIONS:
        raise BenchmarkError(f"The edition {edition!r} is not one of: {', '.join(EDITIONS)}.")
    if not vocabulary.is_valid_year(year):
        raise BenchmarkError(f"The reporting year {year!r} is not a financial year like 2025-26.")
    missing = [c for c in LOG_COLUMNS if c not in returns_log.columns]
    if missing:
        raise BenchmarkError(f"The returns log lacks the column(s): {', '.join(missing)}.")


def _new_sheet(book: Workbook, name: str, title: str, note: str) -> Worksheet:
    ws = book.create_sheet(name)
    _put(ws, 1, 1, title).font = _font(bold=True, size=14)
    _put(ws, 2, 1, note).font = _font(italic=True)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    return ws


def _print(
    ws: Worksheet,
    *,
    title_rows: str | None = f"{HEADER_ROW}:{HEADER_ROW}",
    pages_wide: int = 1,
    title_columns: str | None = None,
    last_row: int = 0,
    last_column: int = 0,
    portrait: bool = False,
) -> None:
    """A4, fitted to `pages_wide` page widths, header rows repeated, the print area set to what
    the sheet holds (and the charts below it, up to `last_row`), page numbers in the footer."""
    sheets.print_landscape(ws, title_rows, pages_wide=pages_wide, title_columns=title_columns)
    if portrait:
        ws.page_setup.orientation = "portrait"
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    column = get_column_letter(max(last_column, ws.max_column))
    ws.print_area = f"A1:{column}{max(last_row, ws.max_row)}"
    ws.page_setup.pageOrder = "overThenDown"
    _wrap_note(ws)
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


#: About the widest a page holds at a readable scale, in units of column width.
PAGE_WIDTH = 130


def _wrap_note(ws: Worksheet) -> None:
    """Wrap the note in A2 across the columns of the first page, so that print never cuts it."""
    note = ws["A2"].value
    if not isinstance(note, str) or ws.max_column < 2:
        return
    total, last = 0.0, 1
    for column in range(1, ws.max_column + 1):
        width = ws.column_dimensions[get_column_letter(column)].width or 8.43
        if total + width > PAGE_WIDTH and column > 1:
            break
        total, last = total + width, column
    if last > 1:
        ws.merge_cells(start_row=2, end_row=2, start_column=1, end_column=last)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheets.fit_row(ws, 2, [(note, total)])


def _font(**style: object) -> Font:
    """The workbook's font (named, so LibreOffice does not fall back to a serif) in dark text."""
    return Font(name=FONT, color=TEXT_COLOUR, **{"size": 11, **style})


_plain = sheets.plain


def _put(ws: Worksheet, row: int, column: int, value: object):
    """Write one cell; a string is always text, so `=...` from a return never runs as a formula."""
    return sheets.put_cell(ws, row, column, value)


def _write_table(
    ws: Worksheet,
    frame: pd.DataFrame,
    *,
    name: str,
    top: int = HEADER_ROW,
    level_columns: Iterable[str] = (),
    status_columns: Iterable[str] = (),
    percent_columns: Iterable[str] = (),
    date_columns: Iterable[str] = (),
    centre_columns: Iterable[str] = (),
    widths: Mapping[str, float] | None = None,
    tails: dict[Worksheet, sheets.Tail] | None = None,
) -> int:
    """`frame` as an Excel table (filters, banding) with its header on row `top`; the last row
    of its body (`top` when it has none). With `tails`, the table is the last on its sheet and
    its body goes there, to be written only as the workbook is saved (`sheets.Tail`): a table
    with a row per member, file or objective never sits in memory as cells."""
    columns = [str(c) for c in frame.columns]
    fills = {
        **dict.fromkeys(level_columns, LEVEL_FILLS),
        **dict.fromkeys(status_columns, STATUS_FILLS),
    }
    formats = {**dict.fromkeys(percent_columns, "0%"), **dict.fromkeys(date_columns, "dd/mm/yyyy")}
    sized = _column_widths(ws, frame, widths or {})

    # The header is styled on the cells too: LibreOffice ignores Excel's table styles.
    for index, label in enumerate(columns, start=1):
        cell = _put(ws, top, index, label)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        cell.font = _font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    ws.row_dimensions[top].height = _height(zip(columns, sized, strict=True), 1.0)
    # A body cell's style depends only on these; openpyxl is slow to assign a style object (it
    # hashes it into the workbook's list every time), so each style is made once and copied.
    made: dict[tuple, StyleArray] = {}
    body = functools.partial(
        _body_rows,
        ws,
        frame,
        top=top,
        columns=columns,
        fills=fills,
        formats=formats,
        centre_columns=set(centre_columns),
        sized=sized,
        made=made,
    )
    if tails is None:
        for row, _, height in body(stored=True):
            # Neither Excel nor LibreOffice grows a row for wrapped text written by openpyxl.
            ws.row_dimensions[row].height = height
    else:
        # Every style the body uses is made now, in the order the stored cells would make them,
        # so that the saved workbook is the same, byte for byte, as one holding the cells.
        collections.deque(body(stored=False), maxlen=0)
        tails[ws] = sheets.Tail(top + 1, top + len(frame), len(columns), body)
    last_row = top + max(len(frame), 1)  # a table needs at least one body row
    ref = f"A{top}:{get_column_letter(len(columns))}{last_row}"
    style = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(Table(displayName=f"{name}Table", ref=ref, tableStyleInfo=style))
    return top + len(frame)


def _body_rows(
    ws: Worksheet,
    frame: pd.DataFrame,
    *,
    top: int,
    columns: list[str],
    fills: Mapping[str, Mapping[str, str]],
    formats: Mapping[str, str],
    centre_columns: set[str],
    sized: list[float],
    made: dict[tuple, StyleArray],
    stored: bool = False,
) -> Iterator[tuple[int, list[Cell], float]]:
    """The body of a `_write_table` table, row by row: (row, its cells, its height). `stored`:
    the cells are the sheet's own; otherwise made for it but not stored (`sheets.Tail`)."""
    wrap = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(wrap_text=True, vertical="top", horizontal="center")
    for row, values in enumerate(frame.itertuples(index=False), start=top + 1):
        texts, cells = [], []
        for index, (label, value) in enumerate(zip(columns, values, strict=True), start=1):
            if stored:
                cell = _put(ws, row, index, value)
            else:
                cell = sheets.write(Cell(ws, row=row, column=index), value)
            fill = fills.get(label, {}).get(cell.value)
            key = (label in centre_columns, formats.get(label), fill, cell.is_date)
            if key in made:
                cell._style = copy(made[key])
            else:
                cell.alignment = centred if label in centre_columns else wrap
                if label in formats:
                    cell.number_format = formats[label]
                if fill:
                    cell.fill = PatternFill("solid", fgColor=fill)
                    cell.font = _font()
                made[key] = copy(cell._style)
            if isinstance(cell.value, str):
                texts.append((cell.value, sized[index - 1]))
            cells.append(cell)
        yield row, cells, _height(texts)


def _column_widths(ws: Worksheet, frame: pd.DataFrame, widths: Mapping[str, float]) -> list[float]:
    """Set each column's width (given, or fitted to its content up to 45) and return them.

    Two tables can share a column, so a width only ever grows.
    """
    sized = []
    for index, label in enumerate(frame.columns, start=1):
        values = (_plain(v) for v in frame[label])
        longest = max([len(w) for w in str(label).split()] + [len(str(v)) for v in values if v])
        width = widths.get(label, min(max(longest + 2, 10), 45))
        letter = get_column_letter(index)
        if letter in ws.column_dimensions:
            width = max(width, ws.column_dimensions[letter].width)
        ws.column_dimensions[letter].width = width
        sized.append(width)
    return sized


def _height(texts: Iterable[tuple[str, float]], chars_per_unit: float = 1.05) -> float:
    """Row height (points) that shows every line of wrapped text; bold headers fit fewer."""
    return sheets.row_height(texts, chars_per_unit)


def _stacked_chart(ws: Worksheet, by_theme: pd.DataFrame, year: str, anchor: str) -> None:
    """A native stacked bar chart of members at each level by theme, at `anchor` below the
    tables (so that it prints on its own page, not squeezed beside them)."""
    first = list(by_theme.columns).index(members_at(LEVEL_LADDER[0])) + 1
    last_row = HEADER_ROW + len(by_theme)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = _title(f"Members with an accepted return at each level, by theme ({year})", 1200)
    chart.add_data(
        Reference(
            ws,
            min_col=first,
            max_col=first + len(LEVEL_LADDER) - 1,
            min_row=HEADER_ROW,
            max_row=last_row,
        ),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last_row))
    for series, level in zip(chart.series, LEVEL_LADDER, strict=True):
        series.tx = SeriesLabel(v=level)
        series.graphicalProperties.solidFill = LEVEL_CHART_COLOURS[level]
        series.graphicalProperties.line.solidFill = OUTLINE
    # A segment of no members shows no "0" label.
    # Each bar segment labelled with its members, but a segment of none has no "0" label.
    for series, level in zip(chart.series, LEVEL_LADDER, strict=True):
        series.dLbls = _data_labels("ctr")
        series.dLbls.dLbl = [
            DataLabel(idx=index, **dict.fromkeys(LABEL_SHOWS, False))
            for index, count in enumerate(by_theme[members_at(level)])
            if count == 0
        ]
    # Theme 1 at the top, as in the table; openpyxl 3.1 hides axes unless told not to.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.crosses = "max"  # with the themes reversed, keeps the counts along the bottom
    chart.y_axis.title = "Members"
    chart.y_axis.majorGridlines = None
    chart.x_axis.txPr = _text(900)
    chart.y_axis.txPr = _text(900)
    chart.legend.position = "b"
    chart.legend.txPr = _text(1000)
    chart.width = 25
    chart.height = STACKED_CHART_ROWS * ROW_CM
    ws.add_chart(chart, anchor)


def _properties(
    book: Workbook, year: str, framework: Framework, generated: dt.date, edition: str
) -> None:
    sheets.set_properties(
        book,
        author=AUTHOR,
        stamp=generated,
        title=f"Equality Framework benchmark {year}"
        + ("" if edition == INTERNAL else " (members' edition)"),
        subject=f"{framework.title}, edition {framework.edition}: national benchmark",
        keywords=f"equality; benchmark; {year}",
    )


def _cover(
    book: Workbook,
    *,
    year: str,
    framework: Framework,
    generated: dt.date,
    edition: str,
    accepted: int,
    members: int,
) -> None:
    """The first sheet: what the workbook is, for whom, what each sheet shows, and the caveats."""
    ws = book.create_sheet("Cover", 0)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 95
    wrap = Alignment(wrap_text=True, vertical="top")
    _put(ws, 1, 1, f"Equality Framework benchmark {year}").font = _font(bold=True, size=18)
    _put(ws, 2, 1, EDITION_NAMES[edition]).font = _font(bold=True, size=12)
    facts = [
        ("Reporting year", year),
        ("Framework", framework.title),
        ("Framework edition", framework.edition),
        ("Generated", f"{generated.day} {generated:%B %Y}"),
        ("Edition", "APCC internal" if edition == INTERNAL else "Members'"),
        (ACCEPTED_COLUMN, f"{accepted} of {members}"),
    ]
    row = 4
    for label, value in facts:
        _put(ws, row, 1, label).font = _font(bold=True)
        _put(ws, row, 2, value).font = _font()
        row += 1

    row += 1
    _put(ws, row, 1, "What each sheet shows").font = _font(bold=True, size=12)
    for name in book.sheetnames[1:]:
        row += 1
        about = SHEET_ABOUT.get(name, str(book[name]["A1"].value or ""))
        about = about.format(status=STATUS_ABOUT[edition])
        _put(ws, row, 1, name).font = _font(bold=True)
        _put(ws, row, 2, about).font = _font()
        ws.cell(row, 1).alignment = ws.cell(row, 2).alignment = wrap
        sheets.fit_row(ws, row, [(about, 95)])

    row += 2
    _put(ws, row, 1, "Read with care").font = _font(bold=True, size=12)
    members_file = file_name(year, MEMBERS_EDITION)
    for caveat in (*CAVEATS, EDITION_CAVEATS[edition].format(members_file=members_file)):
        row += 1
        _put(ws, row, 2, caveat).font = _font()
        ws.cell(row, 2).alignment = wrap
        sheets.fit_row(ws, row, [(caveat, 95)])
    _print(ws, title_rows=None, portrait=True)


def _theme_charts(book: Workbook, by_theme: pd.DataFrame, year: str) -> None:
    """The Theme charts sheet: one small bar chart per theme, members at each level."""
    ws = _chart_sheet(
        book,
        "Theme charts",
        f"Theme charts {year}: members with an accepted return at each level, by theme",
        "Each bar is labelled with its number of members; every chart has the same scale. The "
        "figures are in the table below the charts.",
    )
    data = pd.DataFrame(
        {
            "Theme": by_theme["Theme"],
            **{level: by_theme[members_at(level)] for level in LEVEL_LADDER},
        }
    )
    top = _chart_data(ws, data, len(data), "The figures in these charts: members at each level")
    largest = int(data[list(LEVEL_LADDER)].to_numpy().max(initial=0))
    for index, label in enumerate(data["Theme"]):
        _small_chart(ws, index, top, top + 1 + index, label, "Members", largest)
    _print(ws, title_rows="1:2", last_column=CHARTS_ACROSS * CHART_COLUMNS)


def _region_charts(book: Workbook, regions: pd.DataFrame, year: str) -> None:
    """The Region charts sheet: one small bar chart per region, its themes at each level."""
    ws = _chart_sheet(
        book,
        "Region charts",
        f"Region charts {year}: themes at each level, by region",
        "Each region's members with an accepted return, 16 themes each: how many of their themes "
        "stand at each level. Each bar is labelled with its number of themes.",
    )
    data = pd.DataFrame(
        {
            "Region": regions["Region"],
            **{level: regions[_themes_at(level)] for level in LEVEL_LADDER},
            ACCEPTED_COLUMN: regions[ACCEPTED_COLUMN],
        }
    )
    top = _chart_data(ws, data, len(data), "The figures in these charts: themes at each level")
    for index, (region, count) in enumerate(
        zip(data["Region"], data[ACCEPTED_COLUMN], strict=True)
    ):
        counted = f"{count} member{'' if count == 1 else 's'} with an accepted return"
        _small_chart(ws, index, top, top + 1 + index, f"{region} ({counted})", "Themes", None)
    _print(ws, title_rows="1:2", last_column=CHARTS_ACROSS * CHART_COLUMNS)


def _chart_sheet(book: Workbook, name: str, title: str, note: str) -> Worksheet:
    ws = book.create_sheet(name)
    _put(ws, 1, 1, title).font = _font(bold=True, size=14)
    _put(ws, 2, 1, note).font = _font(italic=True)
    for column in range(1, CHARTS_ACROSS * CHART_COLUMNS + 1):
        ws.column_dimensions[get_column_letter(column)].width = CHART_COLUMN_WIDTH
    return ws


def _chart_data(ws: Worksheet, data: pd.DataFrame, charts: int, heading: str) -> int:
    """Write the charts' figures below their grid; return the data's header row.

    The label of each row spans the columns before DATA_FIRST, so the grid's widths stay.
    """
    grid_rows = -(-charts // CHARTS_ACROSS)
    for page in range(CHART_ROWS_PER_PAGE, grid_rows, CHART_ROWS_PER_PAGE):
        ws.row_breaks.append(Break(id=HEADER_ROW - 1 + page * CHART_ROWS))
    top = HEADER_ROW + grid_rows * CHART_ROWS + 2
    ws.row_breaks.append(Break(id=top - 2))
    _put(ws, top - 1, 1, heading).font = _font(bold=True, size=12)
    columns = [str(c) for c in data.columns]
    header = Alignment(wrap_text=True, vertical="bottom")
    for offset, values in enumerate([columns, *data.itertuples(index=False)]):
        row = top + offset
        ws.merge_cells(start_row=row, end_row=row, start_column=1, end_column=DATA_FIRST - 1)
        for index, value in enumerate(values):
            cell = _put(ws, row, 1 if index == 0 else DATA_FIRST + index - 1, value)
            cell.font = _font(bold=offset == 0)
            if offset == 0:
                cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
                cell.alignment = header
        if offset == 0:
            ws.row_dimensions[row].height = sheets.row_height(
                [(c, CHART_COLUMN_WIDTH) for c in columns[1:]], 1.0
            )
    return top


def _small_chart(
    ws: Worksheet,
    index: int,
    header: int,
    row: int,
    title: str,
    axis: str,
    largest: int | None,
) -> None:
    """Chart number `index` of the grid: the counts on `row` of the data, one bar per level in
    its chart colour, each labelled with its value; `largest` fixes a shared scale."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.gapWidth = 40
    last = DATA_FIRST + len(LEVEL_LADDER) - 1
    chart.add_data(Reference(ws, min_col=DATA_FIRST, max_col=last, min_row=row), from_rows=True)
    chart.set_categories(Reference(ws, min_col=DATA_FIRST, max_col=last, min_row=header))
    series = chart.series[0]
    series.tx = SeriesLabel(v=axis)
    series.graphicalProperties.line.solidFill = OUTLINE
    for point, level in enumerate(LEVEL_LADDER):
        bar = DataPoint(idx=point)
        bar.graphicalProperties.solidFill = LEVEL_CHART_COLOURS[level]
        bar.graphicalProperties.line.solidFill = OUTLINE
        series.dPt.append(bar)
    chart.dataLabels = _data_labels("outEnd")
    chart.title = _title(title, 1000)
    chart.legend = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = _text(800, horizontal=True)
    chart.y_axis.txPr = _text(800)
    chart.y_axis.title = axis
    chart.y_axis.scaling.min = 0
    if largest is not None:
        # Room above the tallest bar for its label; the same scale on every chart.
        chart.y_axis.scaling.max = max(largest + 1, 1) + (largest + 1) // 5
    chart.y_axis.numFmt = "0"
    chart.y_axis.majorGridlines = None
    chart.width = CHART_COLUMNS * CHART_COLUMN_WIDTH * 0.19
    chart.height = (CHART_ROWS - 1) * ROW_CM
    grid_row, grid_column = divmod(index, CHARTS_ACROSS)
    anchor = f"{get_column_letter(1 + grid_column * CHART_COLUMNS)}"
    ws.add_chart(chart, f"{anchor}{HEADER_ROW + grid_row * CHART_ROWS}")


def _text(size: int, bold: bool = False, horizontal: bool = False) -> RichText:
    """Chart text properties: the workbook's font in dark ink at `size` (hundredths of a point);
    `horizontal` keeps axis labels level (they wrap rather than turn)."""
    props = CharacterProperties(sz=size, b=bold, solidFill=INK, latin=DrawingFont(typeface=FONT))
    body = RichTextProperties(rot=0, vert="horz") if horizontal else None
    return RichText(
        bodyPr=body, p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)]
    )


def _title(text: str, size: int) -> Title:
    """A chart title in dark ink at `size`, bold, not over the plot."""
    props = CharacterProperties(sz=size, b=True, solidFill=INK, latin=DrawingFont(typeface=FONT))
    paragraph = Paragraph(
        pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)]
    )
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


LABEL_SHOWS = ("showVal", "showSerName", "showCatName", "showLegendKey", "showPercent")


def _data_labels(position: str) -> DataLabelList:
    """Each bar's value on it (`position`: "ctr" inside, "outEnd" above), in dark ink."""
    return DataLabelList(
        **{**dict.fromkeys(LABEL_SHOWS, False), "showVal": True},
        dLblPos=position,
        txPr=_text(900, bold=True),
    )
