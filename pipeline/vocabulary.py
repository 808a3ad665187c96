"""The words the whole tool shares: statuses, levels, verdicts, colours, years and criterion ids.

Each idea is defined here once and every module imports it from here, so that a word, a colour or
the rule for a financial year cannot drift between the workbook, the reader, the reports and the
benchmark. Nothing here depends on a framework edition: editions differ in sections, themes and
criteria, never in these words.
"""

from __future__ import annotations

import datetime as dt
import re

# --- statuses -----------------------------------------------------------------------------------

# The four statuses of DOMAIN.md, in the order the dropdown offers them.
MET = "Met"
PARTIALLY_MET = "Partially met"
NOT_MET = "Not met"
NOT_APPLICABLE = "Not applicable"
STATUSES: tuple[str, ...] = (MET, PARTIALLY_MET, NOT_MET, NOT_APPLICABLE)

#: Spellings accepted for each status once case is ignored and runs of spaces are folded to one
#: (what Excel's TRIM does). The Scorecard formulas test the same spellings, so keep them short.
STATUS_VARIANTS: dict[str, tuple[str, ...]] = {
    MET: ("met",),
    PARTIALLY_MET: ("partially met", "partly met", "partially"),
    NOT_MET: ("not met",),
    NOT_APPLICABLE: ("not applicable", "n/a", "na", "n.a.", "not-applicable"),
}

# --- levels -------------------------------------------------------------------------------------

#: The framework's three cumulative levels, lowest first (every edition has exactly these).
LEVELS: tuple[str, ...] = ("Developing", "Achieving", "Advancing")
NOT_YET = "Not yet Developing"
#: Every level a theme or section can stand at, lowest first; rank 0 is "Not yet Developing".
LEVEL_LADDER: tuple[str, ...] = (NOT_YET, *LEVELS)
LEVEL_RANK: dict[str, int] = {name: rank for rank, name in enumerate(LEVEL_LADDER)}


def level_key(level: str) -> str:
    """A level as a column-name prefix: "Not yet Developing" -> "not_yet_developing"."""
    return level.lower().replace(" ", "_")


# --- colours ------------------------------------------------------------------------------------

#: Level -> (fill, text colour), the one palette of every output (workbook Scorecard, report
#: tables and chart, benchmark). Every text colour, and dark ink (#1A1A1A), reads on its fill at
#: WCAG AA contrast (4.5:1 or more); "Not yet Developing" is a clear red, never near-white. The
#: level's word is always shown too, so colour is never the only cue.
LEVEL_COLOURS: dict[str, tuple[str, str]] = {
    NOT_YET: ("F4B6B6", "7F0000"),
    "Developing": ("FFE699", "7A4500"),
    "Achieving": ("BDD7EE", "1F3864"),
    "Advancing": ("C6E0B4", "375623"),
}
#: The fill of each level alone, for places that draw dark ink on it (report, benchmark, chart).
LEVEL_FILLS: dict[str, str] = {level: fill for level, (fill, _) in LEVEL_COLOURS.items()}

#: Level -> a stronger shade of its fill for chart bars, where a pale fill fades into the white
#: plot: each stands out from white at 3:1 or more (WCAG non-text contrast), and dark ink
#: (#1A1A1A) data labels read on it at 4.5:1 or more.
LEVEL_CHART_COLOURS: dict[str, str] = {
    NOT_YET: "E06666",
    "Developing": "C98500",
    "Achieving": "4A90D0",
    "Advancing": "5AA02C",
}

#: Status -> (fill, text colour): Excel's own Good / Neutral / Bad pairs, plus a grey.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    MET: ("C6EFCE", "006100"),
    PARTIALLY_MET: ("FFEB9C", "7A4500"),
    NOT_MET: ("FFC7CE", "9C0006"),
    NOT_APPLICABLE: ("E7E6E6", "262626"),
}

# --- verdicts -----------------------------------------------------------------------------------

ACCEPTED = "accepted"
WITH_WARNINGS = "accepted with warnings"
REJECTED = "rejected"
SUPERSEDED = "superseded"
#: Listed but not read: a lock file, a hidden file, the folder's README (W125).
SKIPPED = "skipped"
VERDICTS: tuple[str, ...] = (ACCEPTED, WITH_WARNINGS, REJECTED, SUPERSEDED, SKIPPED)
#: Verdicts whose return is not scored or reported.
UNUSED_VERDICTS: tuple[str, ...] = (REJECTED, SUPERSEDED)

# --- financial years ----------------------------------------------------------------------------

#: A financial year as the tool writes it: 2025-26 (April 2025 to March 2026).
YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
#: How people type one: "2025-26", "2025/26", "2025 – 26" or "2025-2026".
_TYPED_YEAR = re.compile(r"^\s*(\d{4})\s*[-/\u2013]\s*(\d{2}|\d{4})\s*$")
#: A year inside a file name: "kent 2025_26.xlsx".
YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})[-_ ](\d{2})(?!\d)")
#: The financial year starts on this (month, day).
YEAR_START = (4, 1)


def is_valid_year(year: str) -> bool:
    """A financial year such as 2025-26: the second part follows the first."""
    match = YEAR_PATTERN.match(year or "")
    return bool(match) and (int(match[1]) + 1) % 100 == int(match[2])


def parse_year(value: object) -> str:
    """The financial year in the form 2025-26 from what was typed; "" if it is not one."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    match = _TYPED_YEAR.match(text)
    if not match:
        return ""
    year = f"{match[1]}-{match[2][-2:]}"
    return year if is_valid_year(year) else ""


def year_in_name(name: str) -> str:
    """The financial year written in a file name, or ""."""
    match = YEAR_IN_TEXT.search(name or "")
    return parse_year(f"{match[1]}-{match[2]}") if match else ""


def year_for_date(day: dt.date) -> str:
    """The financial year (April to March) that `day` falls in, e.g. 2025-26."""
    start = day.year if (day.month, day.day) >= YEAR_START else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def year_start(year: str) -> dt.date:
    """The first day of a valid financial year (1 April)."""
    return dt.date(int(year[:4]), *YEAR_START)


def year_end(year: str) -> dt.date:
    """The last day of a valid financial year (31 March)."""
    return dt.date(int(year[:4]) + 1, *YEAR_START) - dt.timedelta(days=1)


# --- criterion ids ------------------------------------------------------------------------------

#: A criterion id in the framework's numbering: theme, level rank (1 to 3), letter ("3.2.b").
CRITERION_ID = re.compile(r"^(\d{1,2})\.([1-3])\.([a-z])$")
