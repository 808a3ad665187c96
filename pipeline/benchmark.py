"""The national benchmark workbook: every member's levels side by side, for the APCC to share.

The frames each sheet shows are built by pure functions (`member_statuses`, `levels_table`,
`national_summary`, `regions_summary`, ...); `build_benchmark` only lays them out with openpyxl.
Levels come from `scoring`; this module never decides one. No contact names or emails are written,
and every string is stored as text, so a return's `=HYPERLINK(...)` never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import benchmark_progress, layout, marks, national, outputs, scoring, sheets, validate
from pipeline.framework import LEVEL_LADDER, LEVEL_RANK, Framework

# The report's level colours, so that a level looks the same in every output (word always shown).
from pipeline.layout import LEVEL_FILLS
from pipeline.members import REGIONS
from pipeline.progress import Progress
from pipeline.validate import ACCEPTED, REJECTED, SUPERSEDED
from pipeline.validate import WITH_WARNINGS as ACCEPTED_WITH_WARNINGS

NO_RETURN = "no return"
#: A member's status is the best verdict among its files, in this order.
STATUS_ORDER = (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SUPERSEDED, NO_RETURN)
SCORED = (ACCEPTED, ACCEPTED_WITH_WARNINGS)
#: The returns log as `validate` makes it, less the full paths (they stay out of the benchmark).
LOG_COLUMNS = [c for c in validate.LOG_COLUMNS if c != "path"]

STATUS_FILLS: dict[str, str] = {
    ACCEPTED_WITH_WARNINGS: "FFF2CC",
    REJECTED: "F4CCCC",
    SUPERSEDED: "E7E6E6",
    NO_RETURN: "E7E6E6",
}
TEXT_COLOUR = "1F1F1F"
HEADER_FILL = "D9E1F2"
FONT = "Calibri"
HEADER_ROW = 4
AUTHOR = "APCC"

MEDIAN_NOTE = (
    "Median level: the middle of the levels of the {count} members with an accepted return. "
    "With an even number of members the lower of the two middle levels is shown; levels are "
    "never averaged."
)
LEVELS_NOTE = (
    "One row per member. Levels are cumulative: a theme is at a level only when every criterion "
    "at that level and below is satisfied; a section is at the lowest of its themes' levels. "
    "Members without an accepted return have no levels: see Return status."
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
            "Criteria satisfied": satisfied / totals,
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


def national_summary(themes: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per theme: how many members stand at each level, and the median level."""
    labels = pd.DataFrame(
        {
            "Theme": [theme_label(t.number, t.title) for t in framework.themes],
            "Section": [t.section for t in framework.themes],
        }
    )
    counts = national.theme_counts(themes, framework).reset_index(drop=True)
    return pd.concat([labels, counts], axis=1)


def section_summary(sections: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per section: how many members stand at each level, and the median level."""
    labels = pd.DataFrame(
        {"Section": [section_label(s.number, s.title) for s in framework.sections]}
    )
    counts = national.section_counts(sections, framework).reset_index(drop=True)
    return pd.concat([labels, counts], axis=1)


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
    table["Members"] = [int((members["region"] == r).sum()) for r in regions]
    table["Accepted returns"] = [int(region_of[codes].eq(r).sum()) for r in regions]
    counts = (
        pd.crosstab(themes["region"], themes["level_rank"])
        .reindex(index=regions, columns=range(len(LEVEL_LADDER)), fill_value=0)
        .astype(int)
    )
    for rank, level in enumerate(LEVEL_LADDER):
        table[_themes_at(level)] = counts[rank].to_numpy()
    scored_themes = counts.sum(axis=1)
    at_least_achieving = counts.loc[:, LEVEL_RANK["Achieving"] :].sum(axis=1)
    table["Themes at Achieving or above"] = (
        at_least_achieving / scored_themes.where(scored_themes > 0)
    ).to_numpy()
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
    """The Criteria sheet: share of members satisfying each criterion, least met first."""
    scored = responses[responses["opcc_code"].isin(scored_codes(statuses))]
    summary = national.criterion_uptake(scored, framework)
    return summary.rename(
        columns={
            "criterion_id": "Criterion",
            "section": "Section",
            "theme": "Theme",
            "theme_title": "Theme title",
            "level": "Level",
            "text": "Criterion text",
            "members": "Members with a return",
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
    progress: Progress | None = None,
) -> Workbook:
    """The benchmark workbook in memory. `generated` (default today) is the date it carries, so a
    rerun with the same inputs and date gives the same bytes. `demo`: every sheet says DEMO.
    `progress` (this year against last year's record) adds the sheets on progress.
    """
    _check_inputs(returns_log, year)
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
        f"{LEVELS_NOTE} Framework edition {framework.edition}; "
        f"produced {generated.day} {generated:%B %Y}.",
    )
    level_columns = [theme_label(t.number, t.title) for t in framework.themes] + [
        section_label(s.number, s.title) for s in framework.sections
    ]
    _write_table(
        ws,
        levels_table(members, statuses, scores, framework),
        name="Levels",
        level_columns=level_columns,
        status_columns=["Return status"],
        percent_columns=["Criteria satisfied"],
        widths={**dict.fromkeys(level_columns, 19), "Policing body": 50},
    )
    ws.freeze_panes = f"C{HEADER_ROW + 1}"

    ws = _new_sheet(
        book,
        "National summary",
        f"National summary {year}: members at each level, by theme and by section",
        MEDIAN_NOTE.format(count=len(codes)),
    )
    by_theme = national_summary(themes, framework)
    _write_table(
        ws, by_theme, name="NationalThemes", level_columns=["Median level"], widths={"Theme": 50}
    )
    _stacked_chart(ws, by_theme, year)
    below = HEADER_ROW + len(by_theme) + 3
    _put(ws, below - 1, 1, "Sections").font = _font(bold=True, size=12)
    _write_table(
        ws,
        section_summary(sections, framework),
        name="NationalSections",
        top=below,
        level_columns=["Median level"],
    )

    ws = _new_sheet(
        book,
        "Criteria",
        f"Criteria {year}: where members most need support (least met first)",
        "The share of members with an accepted return that satisfy each criterion (Met, or Not "
        "applicable with a reason), and how many claimed Not applicable.",
    )
    _write_table(
        ws,
        criteria_table(responses, statuses, framework),
        name="Criteria",
        percent_columns=["Share satisfying it"],
        widths={"Criterion text": 70, "Theme title": 30},
    )

    ws = _new_sheet(
        book,
        "Regions",
        f"Regions {year}: levels by region",
        "Themes at each level across the region's members with an accepted return. A section's "
        "median level is the lower of the two middle levels when the count is even.",
    )
    _write_table(
        ws,
        regions_summary(members, statuses, scores, framework),
        name="Regions",
        level_columns=[f"Section {s.number} median level" for s in framework.sections],
        percent_columns=["Themes at Achieving or above"],
    )

    ws = _new_sheet(
        book,
        "Objectives",
        f"Equality objectives {year}: every member's, to share good practice",
        "As written in each accepted return.",
    )
    _write_table(
        ws,
        objectives_table(objectives, members, statuses),
        name="Objectives",
        widths=dict.fromkeys(("Objective", "Measure", "Commentary"), 40),
    )

    ws = _new_sheet(
        book,
        "Returns",
        f"Returns {year}: every file received, and members with no return",
        "Status: accepted, accepted with warnings, rejected (not scored), superseded (replaced "
        "by a later return from the same member) or no return.",
    )
    _write_table(
        ws,
        returns_table(members, returns_log),
        name="Returns",
        status_columns=["Status"],
        date_columns=["Sign-off date"],
        widths={"Policing body": 50, "File": 60},
    )

    if progress is not None:
        benchmark_progress.add_progress_sheets(book, progress, members)
    _properties(book, year, framework, generated)
    if demo:
        marks.mark_workbook(book, titled=book.sheetnames)
    book.active = 0
    return book


def write_benchmark(path: Path, **inputs: object) -> Path:
    """Build the benchmark (same keywords as `build_benchmark`) and save it atomically to `path`."""
    return outputs.save_workbook(build_benchmark(**inputs), Path(path))


def _check_inputs(returns_log: pd.DataFrame, year: str) -> None:
    if not layout.is_valid_year(year):
        raise BenchmarkError(f"The reporting year {year!r} is not a financial year like 2025-26.")
    missing = [c for c in LOG_COLUMNS if c not in returns_log.columns]
    if missing:
        raise BenchmarkError(f"The returns log lacks the column(s): {', '.join(missing)}.")


def _new_sheet(book: Workbook, name: str, title: str, note: str) -> Worksheet:
    ws = book.create_sheet(name)
    _put(ws, 1, 1, title).font = _font(bold=True, size=14)
    _put(ws, 2, 1, note).font = _font(italic=True)
    sheets.print_landscape(ws, f"{HEADER_ROW}:{HEADER_ROW}")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    return ws


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
    widths: Mapping[str, float] | None = None,
) -> None:
    """`frame` as an Excel table (filters, banding) with its header on row `top`."""
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
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(frame.itertuples(index=False), start=top + 1):
        texts = []
        for index, (label, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = _put(ws, row, index, value)
            cell.alignment = wrap
            if label in formats:
                cell.number_format = formats[label]
            fill = fills.get(label, {}).get(cell.value)
            if fill:
                cell.fill = PatternFill("solid", fgColor=fill)
                cell.font = _font()
            if isinstance(cell.value, str):
                texts.append((cell.value, sized[index - 1]))
        # Neither Excel nor LibreOffice grows a row for wrapped text written by openpyxl.
        ws.row_dimensions[row].height = _height(texts)
    last_row = top + max(len(frame), 1)  # a table needs at least one body row
    ref = f"A{top}:{get_column_letter(len(columns))}{last_row}"
    style = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(Table(displayName=f"{name}Table", ref=ref, tableStyleInfo=style))


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


def _height(texts: Iterable[tuple[str, float]], chars_per_unit: float = 1.2) -> float:
    """Row height (points) that shows every line of wrapped text; bold headers fit fewer."""
    return sheets.row_height(texts, chars_per_unit)


def _stacked_chart(ws: Worksheet, by_theme: pd.DataFrame, year: str) -> None:
    """A native stacked bar chart of members at each level by theme, beside the table."""
    first = list(by_theme.columns).index(LEVEL_LADDER[0]) + 1
    last_row = HEADER_ROW + len(by_theme)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = f"Members at each level, by theme ({year})"
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
        series.graphicalProperties.solidFill = LEVEL_FILLS[level]
        series.graphicalProperties.line.solidFill = "404040"
    # Theme 1 at the top, as in the table; openpyxl 3.1 hides axes unless told not to.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.crosses = "max"  # with the themes reversed, keeps the counts along the bottom
    chart.y_axis.title = "Members"
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    chart.width = 26
    chart.height = 14
    ws.add_chart(chart, f"{get_column_letter(len(by_theme.columns) + 2)}{HEADER_ROW}")


def _properties(book: Workbook, year: str, framework: Framework, generated: dt.date) -> None:
    sheets.set_properties(
        book,
        author=AUTHOR,
        stamp=generated,
        title=f"Equality Framework benchmark {year}",
        subject=f"{framework.title}, edition {framework.edition}: national benchmark",
        keywords=f"equality; benchmark; {year}",
    )
