"""What the self-assessment workbook looks like: the contract between the writer and the reader.

`workbook` writes these sheets, headers and metadata keys and `ingest` looks for them. The reader
finds sheets and columns by these labels and rows by criterion id, never by position, so the labels
below are the only thing both sides must agree on.
"""

from __future__ import annotations

import re

TEMPLATE_ID = "apcc-equality-self-assessment"
#: Bump the major number when a change means old returns can no longer be read.
TEMPLATE_VERSION = "1.0"

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

#: Light fills behind dark text (contrast above 12:1 for #1A1A1A), one per rung of the ladder.
#: Used by the report's tables and chart and by the benchmark workbook, so that a level looks the
#: same everywhere; the level's word is always shown too, so colour is never the only cue.
LEVEL_FILLS: dict[str, str] = {
    "Not yet Developing": "E7E6E6",
    "Developing": "FFE699",
    "Achieving": "BDD7EE",
    "Advancing": "C6E0B4",
}
PROGRESS_VALUES: tuple[str, ...] = ("Not started", "On track", "At risk", "Off track", "Achieved")

# Sheet names as generated. The reader also recognises sheets by their content, since OPCCs rename.
START_SHEET = "Start here"
PROFILE_SHEET = "Profile"
OBJECTIVES_SHEET = "Objectives"
SCORECARD_SHEET = "Scorecard"
META_SHEET = "_metadata"
SECTION_SHEETS: dict[int, str] = {
    1: "1 Communities",
    2: "2 Leadership",
    3: "3 Responsive services",
    4: "4 Workforce",
}

# Criterion sheets: one header row with these labels (key -> label), then theme blocks.
CRITERION_COLUMNS: dict[str, str] = {
    "criterion_id": "ID",
    "level": "Level",
    "criterion_text": "Criterion",
    "status": "Status",
    "evidence": "Evidence",
    "evidence_link": "Evidence link",
    "owner": "Owner (role)",
    "target_date": "Target date",
    "na_reason": "Reason if Not applicable",
}
#: Columns the OPCC fills in; everything else on a criterion sheet is locked.
CRITERION_INPUTS = ("status", "evidence", "evidence_link", "owner", "target_date", "na_reason")

#: Column A of a theme's commentary row reads "Theme 3 commentary"; the text goes in the
#: Criterion column of the same row.
COMMENTARY_LABEL = "Theme {theme} commentary"
COMMENTARY_PATTERN = re.compile(r"^\s*theme\s+(\d+)\s+commentary\s*$", re.IGNORECASE)

# Profile: label in column A, value in column B. (key, label, filled by the generator?)
PROFILE_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("opcc_code", "Member code", True),
    ("policing_body", "Policing body", True),
    ("force_area", "Force area", True),
    ("reporting_year", "Reporting year", True),
    ("lead_role", "Equality lead (role)", False),
    ("contact_name", "Contact name", False),
    ("contact_email", "Contact email", False),
    ("employees", "Number of OPCC employees", False),
    ("signoff_role", "Signed off by (role)", False),
    ("signoff_date", "Sign-off date", False),
    ("equality_statement", "The PCC's equality statement", False),
    ("published_links", "Links to published equality information", False),
)
PROFILE_LABELS: dict[str, str] = {key: label for key, label, _ in PROFILE_FIELDS}
PROFILE_INPUTS: tuple[str, ...] = tuple(
    key for key, _, prefilled in PROFILE_FIELDS if not prefilled
)

# Objectives: one header row with these labels, then at least OBJECTIVE_ROWS input rows.
OBJECTIVE_COLUMNS: dict[str, str] = {
    "number": "No.",
    "objective": "Objective",
    "related_themes": "Related themes",
    "measure": "Measure",
    "baseline": "Baseline",
    "target": "Target",
    "progress": "Progress",
    "commentary": "Commentary",
}
OBJECTIVE_ROWS = 12

# The hidden metadata sheet: key in column A, value in column B.
META_KEYS: tuple[str, ...] = (
    "template_id",
    "template_version",
    "framework_edition",
    "opcc_code",
    "reporting_year",
    "criteria_checksum",
    "generated",
)

#: Name of a generated workbook, and of the files derived from it.
WORKBOOK_NAME = "{code}-equality-self-assessment-{year}.xlsx"
YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def is_valid_year(year: str) -> bool:
    """A financial year such as 2025-26: the second part follows the first."""
    match = YEAR_PATTERN.match(year or "")
    return bool(match) and (int(match[1]) + 1) % 100 == int(match[2])
