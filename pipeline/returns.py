"""One OPCC's return in memory: tidy frames read from its workbook, and where each value came from.

`ingest` builds these; `validate`, `scoring`, `report` and `benchmark` only read them. Every frame
keeps the sheet and cell of its values so that a problem can be shown where the OPCC will find it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: One row per framework criterion (all of them, in framework order, even if the workbook lost
#: some: a lost row is blank, i.e. not assessed). `status` is the canonical status, or "" when the
#: cell was blank or held something that is not a status (`status_raw` keeps what was typed).
RESPONSE_COLUMNS = [
    "opcc_code",
    "criterion_id",
    "theme",
    "level",
    "status",
    "status_raw",
    "evidence",
    "evidence_link",
    "owner",
    "target_date",  # datetime64, NaT when blank or unreadable
    "target_date_raw",  # as typed, for messages about dates that could not be read
    "na_reason",
    "criterion_text",  # the text as it stands in the return, to spot edits
    "sheet",  # where the row was found ("" when the criterion was missing)
    "row",  # 0 when the criterion was missing
]

#: One row per filled objective row.
OBJECTIVE_COLUMNS = [
    "opcc_code",
    "number",
    "objective",
    "related_themes",
    "measure",
    "baseline",
    "target",
    "progress",
    "commentary",
    "sheet",
    "row",
]

#: One row per theme whose commentary cell was found (text may be "").
COMMENTARY_COLUMNS = ["opcc_code", "theme", "text", "sheet", "cell"]


@dataclass
class Return:
    """A return that could be read; `profile` maps the layout's profile keys to cleaned values."""

    path: Path
    sha256: str
    opcc_code: str
    reporting_year: str
    framework_edition: str
    template_version: str
    profile: dict[str, object]
    responses: pd.DataFrame
    objectives: pd.DataFrame
    commentary: pd.DataFrame
    #: Where each profile value was found: key -> (sheet, cell).
    profile_cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: File modification time (seconds), the last tie-break between two returns of one OPCC.
    modified: float = 0.0
    #: Where each column was found on the criterion and objectives sheets: sheet -> column key ->
    #: letter, so that a problem in a frame row (sheet, row) can name its cell.
    column_letters: dict[str, dict[str, str]] = field(default_factory=dict)
