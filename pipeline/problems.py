"""The catalogue of everything that can be wrong with a return, each rule with a stable code.

Errors (`E0..`) reject a return: it cannot be trusted as a whole and gets no report. Warnings
(`W1..`) leave it accepted; the value concerned is scored as the message says. Every message reads
in one order, as pyxform's do: where, which rule, what is wrong in the value, and (as `fix`) how to
put it right, in the words of the person who filled in the workbook.

| Code | Name | What it means |
| ---- | ---- | ------------- |
| E001 | not_a_workbook | Not an .xlsx workbook: empty, text, PDF, CSV, .xls, .ods. |
| E002 | damaged | Looks like a workbook but cannot be read: cut short or corrupted. |
| E003 | unsafe_content | A part declares XML entities, which Excel never writes. |
| E004 | too_large | Unpacks to more than the size limit (a zip bomb, huge pictures). |
| E005 | encrypted | The workbook is password protected and no password was supplied. |
| E006 | wrong_password | The password supplied does not open the workbook. |
| E007 | not_template | The workbook is not the APCC self-assessment workbook. |
| E008 | template_version | The workbook was made with a template version this tool cannot read. |
| E009 | framework_edition | The workbook was made for another edition of the framework. |
| E010 | opcc_unknown | The member code is not in the member list. |
| E011 | opcc_missing | No member code in the metadata, the Profile or the file name. |
| E012 | wrong_year | The return is for another reporting year than the batch. |
| E013 | year_missing | No valid reporting year in the metadata or the Profile. |
| E014 | cannot_open | The path does not exist, is a folder, or cannot be opened. |
| W101 | invalid_status | A Status is not one of the four statuses; scored as not assessed. |
| W102 | blank_status | Criteria of a theme have no Status; scored as not assessed. |
| W103 | met_without_evidence | A criterion is Met but its Evidence is empty. |
| W104 | na_without_reason | Not applicable without a reason; counted as not satisfied. |
| W105 | text_edited | The criterion text differs from the framework's wording. |
| W106 | date_invalid | An outstanding criterion's target date is not a date. |
| W107 | date_past | An outstanding criterion's target date had passed at sign-off. |
| W108 | profile_missing | A Profile field is empty. |
| W109 | profile_invalid | A Profile value is not of the expected kind (number, date, email). |
| W110 | objective_incomplete | An equality objective has no Measure or no Target. |
| W111 | objective_progress | An objective's Progress is not one of the listed values. |
| W112 | no_objectives | The Objectives sheet lists no equality objective. |
| W113 | opcc_mismatch | The Profile or file name names another member than the metadata. |
| W114 | no_metadata | No metadata sheet: the OPCC was taken from the Profile or file name. |
| W115 | year_mismatch | The Profile or file name gives another reporting year than the metadata. |
| W116 | criterion_missing | Criterion rows were deleted: scored as not assessed. |
| W117 | criterion_duplicated | A criterion appears on two rows; the first filled one is used. |
| W118 | matched_by_text | Rows had no or a wrong ID and were matched to criteria by their text. |
| W119 | unknown_row | A row with answers matches no criterion; its answers were ignored. |
| W120 | sheet_missing | The Profile or Objectives sheet was not found. |
| W121 | macros_ignored | The workbook holds macros; they were neither run nor kept. |
| W122 | text_at_limit | A cell holds Excel's maximum of 32,767 characters: probably cut off. |
| W123 | superseded | Another return for the same OPCC replaced this one. |
| E015 | not_a_file | A named pipe, a device, a socket, or a link that leads nowhere or in a loop. |
| E016 | too_slow | Reading the file took longer than the time limit. |
| W124 | sheet_clipped | A sheet has cells beyond the rows and columns read (far down or right). |
| W125 | skipped | Not read: a lock file, a hidden file, or a link out of the input folder. |
| W126 | signoff_future | The sign-off date is after the date of the check. |
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

ERROR = "error"
WARNING = "warning"

#: Who reads a message: the OPCC that filled in the workbook (feedback), or the APCC (summary).
OPCC = "opcc"
APCC = "apcc"


@dataclass(frozen=True)
class Wording:
    """What is wrong (`message`) and how to put it right (`fix`), as templates of named values."""

    message: str
    fix: str


@dataclass(frozen=True)
class Rule:
    """A catalogue entry: `message` says what is wrong, `fix` how to put it right.

    The wording is the OPCC's; `wordings` may give another audience (APCC) its own, and any
    audience without one reads the OPCC's.
    """

    name: str
    severity: str
    title: str
    message: str
    fix: str
    wordings: Mapping[str, Wording] = field(default_factory=dict)
    #: False for a rule about the APCC's run rather than the return (E012, the batch's year): a
    #: return it rejects is shown in the APCC's summary and gets no feedback workbook.
    for_opcc: bool = True

    def wording(self, audience: str = OPCC) -> Wording:
        return self.wordings.get(audience) or Wording(self.message, self.fix)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one return: its rule, where it is, and the values it is about.

    Message and fix are rendered from the catalogue when they are shown, never stored, so that a
    location or a wording is never parsed back out of a string.
    """

    code: str
    severity: str  # "error" | "warning"
    file: str
    sheet: str = ""
    cell: str = ""
    opcc_code: str = ""
    #: The values the rule's templates name, as (name, value) pairs.
    values: tuple[tuple[str, object], ...] = ()

    @property
    def rule(self) -> Rule:
        return Code[self.code].rule

    def what(self, audience: str = OPCC) -> str:
        """The message without its location: "Evidence missing: criterion 4.1.a is Met ..."."""
        return f"{self.rule.title}: {render(self.rule.wording(audience).message, self.values)}"

    def how(self, audience: str = OPCC) -> str:
        return render(self.rule.wording(audience).fix, self.values)

    @property
    def location(self) -> str:
        return where(self.file, self.sheet, self.cell)

    @property
    def message(self) -> str:
        """Where, which rule and what is wrong, in one line (as pyxform words them)."""
        return f"{self.location} {self.what()}"

    @property
    def fix(self) -> str:
        return self.how()

    def record(self, audience: str = OPCC) -> dict[str, str]:
        """One row of a problems table (PROBLEM_COLUMNS)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": f"{self.location} {self.what(audience)}",
            "fix": self.how(audience),
            "opcc_code": self.opcc_code,
        }


PROBLEM_COLUMNS = ["code", "severity", "file", "sheet", "cell", "message", "fix", "opcc_code"]


class _SafeFormatter(string.Formatter):
    """str.format that never raises: a missing or unprintable value shows as "?"."""

    def get_field(self, field_name, args, kwargs):
        try:
            return super().get_field(field_name, args, kwargs)
        except (KeyError, IndexError, AttributeError, TypeError, ValueError):
            return MISSING, field_name

    def format_field(self, value, format_spec):
        try:
            return super().format_field(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


#: What a template shows for a value the problem does not carry.
MISSING = "?"
_FORMATTER = _SafeFormatter()


def render(template: str, values: Mapping[str, object] | tuple = ()) -> str:
    """A message template filled with `values`; a missing key or a bad template never raises."""
    try:
        return _FORMATTER.vformat(template, (), dict(values))
    except (ValueError, TypeError, IndexError, KeyError):
        return template


_RESAVE = "save it again as an Excel Workbook (.xlsx) and email it to the APCC again."


class Code(Enum):
    """Every rule, by stable code. `Code.W101.problem(file=..., **values)` makes a Problem."""

    E001 = Rule(
        "not_a_workbook",
        ERROR,
        "Not an Excel workbook",
        "the file is {kind}, not an Excel workbook (.xlsx).",
        "Open the self-assessment workbook in Excel, LibreOffice or Google Sheets, " + _RESAVE,
    )
    E002 = Rule(
        "damaged",
        ERROR,
        "Damaged workbook",
        "the file could not be read as a workbook ({detail}); it may have been cut short "
        "when it was saved or sent.",
        "Check that the workbook opens in Excel, then " + _RESAVE,
    )
    E003 = Rule(
        "unsafe_content",
        ERROR,
        "Unsafe content",
        "the part '{part}' declares XML entities (a DOCTYPE), which Excel never writes; the file "
        "was not opened.",
        "Open the workbook in Excel or LibreOffice, " + _RESAVE,
    )
    E004 = Rule(
        "too_large",
        ERROR,
        "Workbook too large",
        "the workbook unpacks to {size} MB, more than the limit of {limit} MB.",
        "Remove pictures, pasted objects and extra sheets, then " + _RESAVE,
        {
            APCC: Wording(
                "the workbook unpacks to {size} MB, more than the limit of {limit} MB.",
                "Ask the OPCC to remove pictures, pasted objects and extra sheets and send it "
                "again; for a genuine file, raise the limit: equality run --max-unzipped-mb N.",
            )
        },
    )
    E005 = Rule(
        "encrypted",
        ERROR,
        "Password protected",
        "the workbook is protected with a password, and the APCC has no password for it.",
        "Remove the password (in Excel: File > Info > Protect Workbook > Encrypt with Password, "
        "then clear it) and send the workbook again, or tell the APCC the password in a "
        "separate message.",
        {
            APCC: Wording(
                "the workbook is encrypted with a password and no password was supplied for {who}.",
                "Run again with --passwords FILE, a CSV with the columns code,password (one row "
                "per member, e.g. kent,Secret1): each password listed is tried; or ask the OPCC "
                "to remove the password (File > Info > Protect Workbook) and send the workbook "
                "again.",
            )
        },
    )
    E006 = Rule(
        "wrong_password",
        ERROR,
        "Wrong password",
        "the password the APCC holds for the workbook does not open it.",
        "Tell the APCC the current password in a separate message, or remove the password and "
        "send the workbook again.",
        {
            APCC: Wording(
                "the password supplied for {code} does not open the workbook.",
                "Check the password for {code} in the --passwords file with the OPCC, or ask "
                "them to remove the password and send the workbook again.",
            )
        },
    )
    E007 = Rule(
        "not_template",
        ERROR,
        "Not the self-assessment workbook",
        "{detail}",
        "Fill in and send back the workbook the APCC sent (its name ends "
        "'-equality-self-assessment-<year>.xlsx'); answers in another file cannot be read.",
    )
    E008 = Rule(
        "template_version",
        ERROR,
        "Template version",
        "the workbook was made with template version {found}; this tool reads version {expected}.",
        "Ask the APCC for the current workbook, copy the answers into it and send that one.",
        {
            APCC: Wording(
                "the workbook was made with template version {found}; this tool reads version "
                "{expected}.",
                "Send the OPCC a workbook made with the current template (equality workbook "
                "--opcc {code}) to copy its answers into, or update the tool.",
            )
        },
    )
    E009 = Rule(
        "framework_edition",
        ERROR,
        "Framework edition",
        "the workbook was made for framework edition {found}; returns are assessed against "
        "edition {expected}.",
        "Ask the APCC for the {expected} workbook and copy each status and its evidence into "
        "it; criteria that changed between editions need a fresh assessment.",
        {
            APCC: Wording(
                "the workbook was made for framework edition {found}; returns are assessed "
                "against edition {expected}.",
                "Send the OPCC the {expected} workbook (equality workbook --opcc {code}) to copy "
                "each status and its evidence into; criteria that changed between editions need "
                "a fresh assessment.",
            )
        },
    )
    E010 = Rule(
        "opcc_unknown",
        ERROR,
        "Unknown OPCC",
        "the member code '{code}' is not in the member list.",
        "Enter the member code the APCC gave you (e.g. kent) next to 'Member code' on the "
        "Profile sheet, and send the workbook again.",
        {
            APCC: Wording(
                "the member code '{code}' is not in the member list.",
                "Enter the OPCC's member code as listed by `equality members` in the Profile "
                "sheet; if this is a new member, add it to a copy of the list and run again with "
                "--members FILE.",
            )
        },
    )
    E011 = Rule(
        "opcc_missing",
        ERROR,
        "OPCC not identified",
        "no member code was found in the _metadata sheet, in the Profile sheet ('Member code') "
        "or in the file name.",
        "Enter the member code the APCC gave you (e.g. kent) next to 'Member code' on the "
        "Profile sheet, or name the file after it, e.g. "
        "kent-equality-self-assessment-2025-26.xlsx.",
        {
            APCC: Wording(
                "no member code was found in the _metadata sheet, in the Profile sheet ('Member "
                "code') or in the file name.",
                "Enter the member code (as listed by `equality members`) next to 'Member code' "
                "on the Profile sheet, or name the file after the member code, e.g. "
                "kent-equality-self-assessment-2025-26.xlsx.",
            )
        },
    )
    E012 = Rule(
        "wrong_year",
        ERROR,
        "Reporting year",
        "the return is for reporting year {found}, not {expected}.",
        "If the reporting year on the Profile sheet is wrong, correct it and send the workbook "
        "again; if it is right, there is nothing to do.",
        {
            APCC: Wording(
                "the return is for reporting year {found}; this batch is for {expected}.",
                "If the batch year is wrong, run again with --year {found} (or without --year); "
                "otherwise run the {found} returns as their own batch (equality run --year "
                "{found}). The OPCC is not sent feedback for this.",
            )
        },
        for_opcc=False,
    )
    E013 = Rule(
        "year_missing",
        ERROR,
        "Reporting year missing",
        "no valid reporting year (such as 2025-26) was found in the _metadata sheet or next to "
        "'Reporting year' on the Profile sheet.",
        "Enter the reporting year as YYYY-YY (e.g. 2025-26) next to 'Reporting year' on the "
        "Profile sheet.",
    )
    E014 = Rule(
        "cannot_open",
        ERROR,
        "File not readable",
        "{detail}",
        "Send the workbook to the APCC again, attached as a file.",
        {
            APCC: Wording(
                "{detail}",
                "Check the path, and that the file is not open or locked by another program, "
                "then run again.",
            )
        },
    )
    W101 = Rule(
        "invalid_status",
        WARNING,
        "Status not recognised",
        "criterion {criterion} has '{value}', which is not a status; it is scored as not assessed.",
        "Choose Met, Partially met, Not met or Not applicable from the Status list, or leave the "
        "cell blank if the criterion has not been assessed.",
    )
    W102 = Rule(
        "blank_status",
        WARNING,
        "Status missing",
        "{count} of the {total} criteria of theme {theme} ({theme_title}) have no Status: "
        "{ids}. They are scored as not assessed.",
        "Choose a Status for each of them; use Not met rather than leaving a criterion blank.",
    )
    W103 = Rule(
        "met_without_evidence",
        WARNING,
        "Evidence missing",
        "criterion {criterion} is Met but its Evidence cell is empty.",
        "Describe what shows the criterion is met (a document, decision or data), with a link "
        "in 'Evidence link' if it is published.",
    )
    W104 = Rule(
        "na_without_reason",
        WARNING,
        "Reason missing",
        "criterion {criterion} is Not applicable but no reason is given, so it is counted as "
        "not satisfied.",
        "Explain in 'Reason if Not applicable' why the criterion does not apply to the OPCC, or "
        "choose another Status.",
    )
    W105 = Rule(
        "text_edited",
        WARNING,
        "Criterion text changed",
        "the wording of criterion {criterion} differs from the framework; the framework's "
        "wording is what is assessed.",
        "Restore the framework's wording: \u201c{expected}\u201d. Put notes in the Evidence "
        "column instead.",
    )
    W106 = Rule(
        "date_invalid",
        WARNING,
        "Target date not a date",
        "criterion {criterion} has the target date '{value}', which is not a date.",
        "Enter the target date as dd/mm/yyyy, e.g. 31/03/2026.",
    )
    W107 = Rule(
        "date_past",
        WARNING,
        "Target date passed",
        "criterion {criterion} is {status} and its target date {date} is before the {reference}.",
        "Set a new target date for the outstanding work, or update the Status if it is done.",
    )
    W108 = Rule(
        "profile_missing",
        WARNING,
        "Profile incomplete",
        "'{label}' is empty.",
        "Fill in '{label}' on the Profile sheet.",
    )
    W109 = Rule(
        "profile_invalid",
        WARNING,
        "Profile value not valid",
        "'{label}' holds '{value}', which is not {expected}.",
        "Enter {expected}, e.g. {example}.",
    )
    W110 = Rule(
        "objective_incomplete",
        WARNING,
        "Objective incomplete",
        "objective {number} has no {missing}; equality objectives must be specific and measurable.",
        "Add how progress is measured (Measure) and what the OPCC aims to reach, by when (Target).",
    )
    W111 = Rule(
        "objective_progress",
        WARNING,
        "Progress not recognised",
        "objective {number} has the progress '{value}'.",
        "Choose one of {allowed} from the Progress list, or leave it blank.",
    )
    W112 = Rule(
        "no_objectives",
        WARNING,
        "No equality objectives",
        "the Objectives sheet lists no equality objective.",
        "List at least one specific, measurable equality objective; the specific duty asks for "
        "one at least every four years.",
    )
    W113 = Rule(
        "opcc_mismatch",
        WARNING,
        "Member code mismatch",
        "the {source} names '{other}' but the workbook belongs to '{code}'; it is read as "
        "{code}'s return.",
        "If this is not {code}'s return, send the workbook the APCC made for the OPCC; "
        "otherwise correct the {source}.",
    )
    W114 = Rule(
        "no_metadata",
        WARNING,
        "Workbook metadata missing",
        "the hidden _metadata sheet is {state}, so the return was identified from what is "
        "left: OPCC {code} (from the {source}), year {year}, framework edition {edition}.",
        "Send back the workbook the APCC sent rather than a copy; if the answers were pasted "
        "into a new file, paste them back into the original.",
    )
    W115 = Rule(
        "year_mismatch",
        WARNING,
        "Reporting year mismatch",
        "the {source} says {other} but the workbook is for {year}; it is read as a {year} return.",
        "Correct the reporting year (YYYY-YY) on the Profile sheet, or use the {other} workbook.",
    )
    W116 = Rule(
        "criterion_missing",
        WARNING,
        "Criteria missing",
        "{count} criteria of theme {theme} ({theme_title}) were not found in the workbook: "
        "{ids}. They are scored as not assessed.",
        "Do not delete criterion rows: copy them back from the workbook the APCC sent, fill them "
        "in and send the workbook again.",
    )
    W117 = Rule(
        "criterion_duplicated",
        WARNING,
        "Criterion listed twice",
        "this row repeats criterion {criterion}, also at {kept}; the answers at {kept} are "
        "used and this row is ignored.",
        "Delete the extra row so that each criterion appears once, keeping the right answers.",
    )
    W118 = Rule(
        "matched_by_text",
        WARNING,
        "Criterion ID missing or changed",
        "{count} row(s) on this sheet had no ID or a wrong ID and were matched to criteria by "
        "their text: {ids}.",
        "Put back the IDs in the ID column (copy them from the workbook the APCC sent); do not "
        "edit the ID or Criterion columns.",
    )
    W119 = Rule(
        "unknown_row",
        WARNING,
        "Row not recognised",
        "the row (ID '{value}') matches no criterion of the framework; its answers were ignored.",
        "Restore the ID and wording of the criterion this row answers, or delete the row.",
    )
    W120 = Rule(
        "sheet_missing",
        WARNING,
        "Sheet missing",
        "no {what} sheet was found in the workbook.",
        "Copy the {what} sheet back from the workbook the APCC sent, fill it in and send the "
        "workbook again.",
    )
    W121 = Rule(
        "macros_ignored",
        WARNING,
        "Macros ignored",
        "the workbook holds macros (VBA); they were not run and only cell values were read.",
        "Next time, save the workbook as an Excel Workbook (.xlsx), without macros.",
    )
    W122 = Rule(
        "text_at_limit",
        WARNING,
        "Text probably cut off",
        "the cell holds {length:,} characters, Excel's maximum, so pasted text was probably "
        "cut off.",
        "Shorten the text, or put the full text in a document and link to it in 'Evidence link'.",
    )
    W123 = Rule(
        "superseded",
        WARNING,
        "Replaced by a later return",
        "{code} sent another return, '{other}', with {basis}; this one was not used.",
        "Nothing to do if '{other}' is the final return; otherwise send this one again with a "
        "later sign-off date.",
    )
    E015 = Rule(
        "not_a_file",
        ERROR,
        "Not a regular file",
        "the path is {kind}, not a regular file, so it was not read.",
        "Send the workbook itself to the APCC again, attached as a file rather than a link.",
        {
            APCC: Wording(
                "the path is {kind}, not a regular file, so it was not read.",
                "Put a copy of the returned workbook itself in the input folder in place of the "
                "link or special file, or remove it from the input folder.",
            )
        },
    )
    E016 = Rule(
        "too_slow",
        ERROR,
        "File too slow to read",
        "reading the file took more than {seconds} seconds, so it was stopped; it may be on a "
        "network drive that stopped answering, or far larger inside than a return should be.",
        "Check that the workbook opens in Excel, then " + _RESAVE,
        {
            APCC: Wording(
                "reading the file took more than {seconds} seconds, so it was stopped; it may be "
                "on a network drive that stopped answering, or far larger inside than a return "
                "should be.",
                "Copy the workbook to a local folder, check that it opens in Excel, then run "
                "again.",
            )
        },
    )
    W124 = Rule(
        "sheet_clipped",
        WARNING,
        "Cells far outside the form",
        "the sheet has cells at {where}, beyond the first {rows:,} rows and {columns} columns "
        "that are read; those cells were ignored.",
        "Delete whatever was typed far below or to the right of the form (press Ctrl+End in "
        "Excel to find it), then send the workbook again if it mattered.",
    )
    W125 = Rule(
        "skipped",
        WARNING,
        "File not read",
        "the file was skipped: it is {reason}.",
        "Nothing to do if it is not a return. If it is, send the workbook again under a name "
        "that does not start with '.' or '~$'.",
        {
            APCC: Wording(
                "the file was skipped: it is {reason}.",
                "Nothing to do if it is not a return. If it is, put a copy of the workbook itself "
                "in the input folder under a name that does not start with '.' or '~$', and run "
                "again.",
            )
        },
    )

    W126 = Rule(
        "signoff_future",
        WARNING,
        "Sign-off date in the future",
        "the sign-off date {date} is after the date of this check ({today}), so target dates "
        "were judged against {today} instead.",
        "Enter the date the self-assessment was actually signed off, as dd/mm/yyyy.",
    )

    @property
    def rule(self) -> Rule:
        return self.value

    @property
    def severity(self) -> str:
        return self.value.severity

    def problem(
        self, *, file: str, sheet: str = "", cell: str = "", opcc_code: str = "", **values: object
    ) -> Problem:
        """This rule's Problem at (file, sheet, cell), about `values` (rendered when shown)."""
        return Problem(
            code=self.name,
            severity=self.value.severity,
            file=file,
            sheet=sheet,
            cell=cell,
            opcc_code=opcc_code,
            values=tuple((key, _shorten(value)) for key, value in values.items()),
        )


#: A value quoted in a message is cut to this length: a pasted essay in a Status cell must not
#: make a message longer than a cell can hold.
QUOTE_LIMIT = 500


def _shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > QUOTE_LIMIT:
        return value[: QUOTE_LIMIT - 1] + "\u2026"
    return value


def where(file: str, sheet: str = "", cell: str = "") -> str:
    """The location prefix of a message: "[sheet '2 Leadership', cell D14]", or the file."""
    if sheet and cell:
        return f"[sheet '{sheet}', cell {cell}]"
    if sheet:
        return f"[sheet '{sheet}']"
    return f"[file '{file}']"


def by_name(name: str) -> Code:
    """The code whose rule has this short name (schemas name their checks this way)."""
    for code in Code:
        if code.value.name == name:
            return code
    raise KeyError(f"No rule named {name!r} in the catalogue.")


_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")


def cell_order(cell: str) -> tuple[int, int]:
    """(row, column) of an A1 reference, so that D9 sorts before D14; blank cells first."""
    match = _CELL.match(cell or "")
    if not match:
        return (0, 0)
    column = 0
    for letter in match[1]:
        column = column * 26 + ord(letter) - 64
    return (int(match[2]), column)


def listing(items: list[str], limit: int = 10) -> str:
    """ "a, b, c", or "a, b, ... and 12 more" when the list is long."""
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


def sort_key(problem: Problem) -> tuple:
    """Sort problems by file, sheet, cell (in reading order), then code."""
    return (problem.file, problem.sheet, cell_order(problem.cell), problem.code)
