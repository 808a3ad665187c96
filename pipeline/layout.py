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

PROGRESS_VALUES: tuple[str, ...] = ("Not started", "On track", "At risk", "Off track", "Achieved")

# Sheet names as generated. The reader also recognises sheets by their content, since OPCCs rename.
START_SHEET = "Start here"
PROFILE_SHEET = "Profile"
OBJECTIVES_SHEET = "Objectives"
SCORECARD_SHEET = "Scorecard"
META_SHEET = "_metadata"
# One criterion sheet per section, named by the framework edition (`Section.sheet`).

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


def __getattr__(name: str) -> object:
    """SECTION_SHEETS, the default edition's section sheet names (number -> name), is kept for
    code that has not moved to `Section.sheet`; it is read from the framework file."""
    if name == "SECTION_SHEETS":
        from pipeline import framework

        return {section.number: section.sheet for section in framework.load().sections}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
