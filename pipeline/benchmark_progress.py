"""The benchmark's sheets on progress since last year, from a `progress.Progress`.

Movement (each member's movement per theme), Levels vs last year (members at each level, both
years, with a chart), Met last year (criteria Met last year and not now, for challenge) and
Returned last year (members with a return last year and none this year). The frames come from
`pipeline.progress`; this module only lays them out. Every string is written as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import progress as progress_module
from pipeline import sheets
from pipeline.progress import DOWN, UP, Progress
from pipeline.vocabulary import LEVEL_LADDER, LEVEL_RANK

MOVEMENT_SHEET = "Movement"
NATIONAL_SHEET = "Levels vs last year"
CHALLENGE_SHEET = "Met last year"
NOT_RETURNED_SHEET = "Returned last year"
HEADER_ROW = 4
FONT = "Calibri"
TEXT_COLOUR = "1F1F1F"
HEADER_FILL = "D9E1F2"
MOVEMENT_FILLS = {UP: "C6EFCE", DOWN: "FFC7CE"}
ACHIEVING = "Achieving"


def theme_label(number: int, title: str) -> str:
    return f"{number} {title}"


def movement_table(progress: Progress, members: pd.DataFrame) -> pd.DataFrame:
    """One row per member with a return both years: each theme's movement in words, counts."""
    themes = progress.themes
    titles = themes.drop_duplicates("theme").sort_values("theme")
    pairs = zip(titles["theme"], titles["theme_title"], strict=True)
    labels = [theme_label(number, title) for number, title in pairs]
    wide = themes.pivot(index="opcc_code", columns="theme", values="in_words")
    wide = wide.reindex(columns=list(titles["theme"]))
    wide.columns = labels
    counts = pd.crosstab(themes["opcc_code"], themes["movement"])
    bodies = members.set_index("code")["policing_body"]
    codes = themes.drop_duplicates("opcc_code").set_index("opcc_code")["previous_code"]
    table = pd.DataFrame(
        {
            "Member code": codes.index,
            "Policing body": codes.index.map(bodies),
            "Code last year": [old if old != code else "" for code, old in codes.items()],
        }
    ).set_index("Member code", drop=False)
    table = table.join(wide)
    for word, label in ((UP, "Themes up"), (progress_module.SAME, "Unchanged"), (DOWN, "Down")):
        column = counts[word] if word in counts.columns else 0
        table[label] = pd.Series(column, index=counts.index).reindex(table.index).fillna(0)
        table[label] = table[label].astype(int)
    return table.reset_index(drop=True)


def national_table(progress: Progress) -> pd.DataFrame:
    """Per theme: members at each level last year and this year, and at Achieving or above."""
    before, now = progress.previous_year, progress.year
    national = progress.national
    rows = []
    for (number, title), group in national.groupby(["theme", "theme_title"], sort=True):
        by_level = group.set_index("level")
        row: dict[str, object] = {"Theme": theme_label(number, title)}
        for level in LEVEL_LADDER:
            row[f"{level} {before}"] = int(by_level.loc[level, "previous_members"])
            row[f"{level} {now}"] = int(by_level.loc[level, "members"])
        above = [lv for lv in LEVEL_LADDER if LEVEL_RANK[lv] >= LEVEL_RANK[ACHIEVING]]
        row[f"Achieving or above {before}"] = int(by_level.loc[above, "previous_members"].sum())
        row[f"Achieving or above {now}"] = int(by_level.loc[above, "members"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def challenge_table(progress: Progress, members: pd.DataFrame) -> pd.DataFrame:
    challenge = progress.challenge
    bodies = members.set_index("code")["policing_body"]
    return pd.DataFrame(
        {
            "Member code": challenge["opcc_code"],
            "Policing body": challenge["opcc_code"].map(bodies),
            "Criterion": challenge["criterion_id"],
            "Theme": challenge["theme"].astype(int),
            "Level": challenge["level"],
            "Criterion text": challenge["text"],
            f"Status {progress.previous_year}": challenge["previous_status"],
            f"Status {progress.year}": challenge["status"],
        }
    )


def not_returned_table(progress: Progress) -> pd.DataFrame:
    gone = progress.not_returned
    return pd.DataFrame(
        {
            f"Member code {progress.previous_year}": gone["previous_code"],
            f"Member code {progress.year}": gone["opcc_code"],
            "Policing body": gone["policing_body"],
            "Why no comparison": gone["reason"],
        }
    )


def add_progress_sheets(book: Workbook, progress: Progress, members: pd.DataFrame) -> None:
    """Add the four progress sheets to the benchmark workbook `book`."""
    before, now = progress.previous_year, progress.year
    ws = _sheet(
        book,
        MOVEMENT_SHEET,
        f"Movement since {before}: each member's level by theme, {before} to {now}",
        "One row per member with an accepted return both years (a member whose code changed is "
        "matched through the member list's previous codes). Up, no change or down, and the "
        "levels of both years.",
    )
    table = movement_table(progress, members)
    themes = [c for c in table.columns if c[:1].isdigit()]
    widths = {**dict.fromkeys(themes, 22), "Policing body": 40}
    _write(ws, table, "Movement", widths=widths, shade_movement=True)
    ws.freeze_panes = f"C{HEADER_ROW + 1}"

    ws = _sheet(
        book,
        NATIONAL_SHEET,
        f"Members at each level by theme, {now} against {before}",
        f"{progress.previous_returns} members had an accepted return in {before}, "
        f"{progress.returns} in {now}. Each year counts its own returns.",
    )
    national = national_table(progress)
    _write(ws, national, "LevelsVsLastYear", widths={"Theme": 45})
    _chart(ws, national, before, now)

    ws = _sheet(
        book,
        CHALLENGE_SHEET,
        f"For challenge: criteria Met in {before} and not satisfied in {now}",
        "A step back needs a reason, or last year's Met was wrong: ask the member which.",
    )
    _write(ws, challenge_table(progress, members), "MetLastYear", widths={"Criterion text": 70})

    ws = _sheet(
        book,
        NOT_RETURNED_SHEET,
        f"Members with an accepted return in {before} and none in {now}",
        "Their progress cannot be measured this year.",
    )
    _write(ws, not_returned_table(progress), "ReturnedLastYear", widths={"Policing body": 45})


def _font(**style: object) -> Font:
    return Font(name=FONT, color=TEXT_COLOUR, **{"size": 11, **style})


def _sheet(book: Workbook, name: str, title: str, note: str) -> Worksheet:
    ws = book.create_sheet(name)
    sheets.put_cell(ws, 1, 1, title).font = _font(bold=True, size=14)
    sheets.put_cell(ws, 2, 1, note).font = _font(italic=True)
    sheets.print_landscape(ws, f"{HEADER_ROW}:{HEADER_ROW}")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    return ws


def _write(
    ws: Worksheet,
    frame: pd.DataFrame,
    name: str,
    widths: Mapping[str, float] | None = None,
    shade_movement: bool = False,
) -> None:
    """`frame` as a filterable Excel table with its header on HEADER_ROW; `shade_movement`
    colours cells that say up or down."""
    widths = widths or {}
    columns = [str(c) for c in frame.columns]
    sized: list[float] = []
    for index, label in enumerate(columns, start=1):
        values = [str(v) for v in frame[label] if sheets.plain(v) is not None]
        longest = max([len(w) for w in label.split()] + [len(v) for v in values])
        width = widths.get(label, min(max(longest + 2, 10), 40))
        ws.column_dimensions[get_column_letter(index)].width = width
        sized.append(width)
        cell = sheets.put_cell(ws, HEADER_ROW, index, label)
        cell.font = _font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    ws.row_dimensions[HEADER_ROW].height = sheets.row_height(zip(columns, sized, strict=True), 1.0)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(frame.itertuples(index=False), start=HEADER_ROW + 1):
        texts: list[tuple[str, float]] = []
        for index, value in enumerate(values, start=1):
            cell = sheets.put_cell(ws, row, index, value)
            cell.alignment = wrap
            cell.font = _font()
            if isinstance(cell.value, str):
                fill = MOVEMENT_FILLS.get(cell.value.split(" ")[0]) if shade_movement else None
                if fill:
                    cell.fill = PatternFill("solid", fgColor=fill)
                texts.append((cell.value, sized[index - 1]))
        ws.row_dimensions[row].height = sheets.row_height(texts)
    last = HEADER_ROW + max(len(frame), 1)
    ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last}"
    style = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(Table(displayName=f"{name}Table", ref=ref, tableStyleInfo=style))


def _chart(ws: Worksheet, national: pd.DataFrame, before: str, now: str) -> None:
    """Members at Achieving or above by theme, last year and this year side by side."""
    columns: Sequence[str] = list(national.columns)
    last_row = HEADER_ROW + len(national)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.title = f"Members at Achieving or above, by theme: {before} and {now}"
    for year, colour in ((before, "BFBFBF"), (now, "2E75B6")):
        column = columns.index(f"Achieving or above {year}") + 1
        chart.add_data(
            Reference(ws, min_col=column, min_row=HEADER_ROW, max_row=last_row),
            titles_from_data=True,
        )
        chart.series[-1].graphicalProperties.solidFill = colour
        chart.series[-1].graphicalProperties.line.solidFill = "404040"
    chart.set_categories(Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last_row))
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.crosses = "max"
    chart.y_axis.title = "Members"
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    chart.width = 24
    chart.height = 14
    ws.add_chart(chart, f"B{last_row + 3}")
