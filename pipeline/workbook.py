"""The self-assessment workbook each OPCC fills in: built with openpyxl from the framework data.

Every sheet name, header label and metadata key comes from `layout`, the contract with the reader.
Framework text is locked and only input cells are open, so an OPCC cannot break the structure by
accident; the Scorecard recalculates live with the same cumulative rule as `scoring`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import framework as framework_module
from pipeline import layout, outputs, sheets
from pipeline.framework import Framework
from pipeline.vocabulary import (
    LEVEL_COLOURS,
    LEVEL_LADDER,
    LEVELS,
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    NOT_YET,
    PARTIALLY_MET,
    STATUS_COLOURS,
    STATUS_VARIANTS,
    STATUSES,
    is_valid_year,
    year_for_date,
)

DEFAULT_RETURN_TO = "equality@apccs.police.uk"
DEFAULT_DEADLINE = "the date given in the APCC's covering email"
AUTHOR = "APCC"
DATE_FORMAT = "dd/mm/yyyy"


class WorkbookError(ValueError):
    """Workbooks that cannot be generated as asked: the message says what to change."""


# Looks: dark text on light fills throughout, so every word stays readable when printed in grey.
_FONT = "Calibri"
_BOLD = Font(name=_FONT, size=11, bold=True)
_TITLE = Font(name=_FONT, size=14, bold=True)
_HEADER_FONT = Font(name=_FONT, size=11, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_THEME_FILL = PatternFill("solid", fgColor="D9E1F2")
_DESCRIPTOR_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_ITALIC = Font(name=_FONT, size=11, italic=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAP_LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")
_TOP = Alignment(vertical="top")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)
_LOCKED = Protection(locked=True)
# Named styles: one assignment per cell instead of five, which is most of the build time.
_INPUT_STYLE = "OPCC input"
_DATE_STYLE = "OPCC input date"
_FRAMEWORK_STYLE = "Framework text"

#: Criterion-sheet column widths by layout key; the helper column follows the last of them.
_CRITERION_WIDTHS = {
    "criterion_id": 9,
    "level": 12,
    "criterion_text": 62,
    "status": 16,
    "evidence": 42,
    "evidence_link": 28,
    "owner": 22,
    "target_date": 13,
    "na_reason": 32,
}
CRITERION_LETTERS: dict[str, str] = {
    key: get_column_letter(index) for index, key in enumerate(layout.CRITERION_COLUMNS, start=1)
}
#: Hidden, locked columns on each criterion sheet. The check is 2 for Met, 1 for Not applicable
#: with a reason, -1 for Not applicable without one, 0 otherwise; the Scorecard counts it. The
#: status as read is the Status folded the way the pipeline folds it, for the check and colours.
CHECK_LETTER = get_column_letter(len(layout.CRITERION_COLUMNS) + 1)
CHECK_LABEL = "Scorecard check"
READ_LETTER = get_column_letter(len(layout.CRITERION_COLUMNS) + 2)
READ_LABEL = "Status as read"
HEADER_ROW = 2
_SCORECARD_HEADER_ROW = 4
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def workbook_path(out_dir: Path, code: str, year: str) -> Path:
    """Where the workbook of one member goes, never outside `out_dir`."""
    name = layout.WORKBOOK_NAME.format(code=outputs.safe_name(code), year=year)
    return outputs.inside(Path(out_dir), name)


def build_workbook(
    member: Mapping[str, str],
    year: str,
    framework: Framework,
    *,
    return_to: str | None = None,
    deadline: str | None = None,
    generated: dt.date,
) -> Workbook:
    """The whole workbook for one member, in memory; the same arguments give the same workbook.

    `return_to` and `deadline` are shown as given (None: DEFAULT_RETURN_TO, DEFAULT_DEADLINE).
    """
    _check_year(year)
    return_to = return_to or DEFAULT_RETURN_TO
    deadline = deadline or DEFAULT_DEADLINE
    book = Workbook()
    book.remove(book.active)
    _add_styles(book)
    _start_sheet(book, _start_rows(member, year, framework, return_to, deadline, generated))
    _profile_sheet(book, member, year)
    for section in framework.sections:
        _criterion_sheet(book, section)
    _objectives_sheet(book)
    _scorecard_sheet(book, framework)
    metadata = {
        "template_id": layout.TEMPLATE_ID,
        "template_version": layout.TEMPLATE_VERSION,
        "framework_edition": framework.edition,
        "opcc_code": str(member["code"]),
        "reporting_year": year,
        "criteria_checksum": framework.checksum,
        "generated": generated.isoformat(),
    }
    _metadata_sheet(book, metadata)
    _properties(book, member, year, framework, metadata, generated)
    book.security = WorkbookProtection(lockStructure=True)
    book.active = 0
    return book


def generate_workbook(
    member: Mapping[str, str],
    year: str,
    out_dir: Path,
    *,
    framework: Framework | None = None,
    return_to: str | None = None,
    deadline: str | None = None,
    generated: dt.date | None = None,
) -> Path:
    """One member's workbook, saved in `out_dir` under `layout.WORKBOOK_NAME`: a copy of the
    process's template for these options when the member fits it, else built in full."""
    framework = framework or framework_module.load()
    options = {
        "return_to": return_to,
        "deadline": deadline,
        "generated": generated or dt.date.today(),
    }
    template = _cached_template(year, framework, options)
    if template is not None and template.fits(member):
        path = workbook_path(out_dir, str(member["code"]), year)
        return outputs.write_bytes_atomically(path, template.copy(member))
    return build_in_full(member, year, out_dir, framework=framework, **options)


def build_in_full(
    member: Mapping[str, str],
    year: str,
    out_dir: Path,
    *,
    framework: Framework,
    return_to: str | None = None,
    deadline: str | None = None,
    generated: dt.date,
) -> Path:
    """`generate_workbook` without the template: every cell built with openpyxl and saved."""
    book = build_workbook(
        member, year, framework, return_to=return_to, deadline=deadline, generated=generated
    )
    return outputs.save_workbook(book, workbook_path(out_dir, str(member["code"]), year))


def default_out_dir(year: str) -> Path:
    """Where workbooks go when no folder is given: output/workbooks/<year>/."""
    return Path("output") / "workbooks" / year


def generate_workbooks(
    members_frame: pd.DataFrame,
    codes: Iterable[str] | None,
    year: str | None,
    out_dir: Path | None,
    *,
    framework: Framework | None = None,
    return_to: str | None = None,
    deadline: str | None = None,
    generated: dt.date | None = None,
) -> list[Path]:
    """Workbooks for the members named by `codes` (every member when None), in code order.

    `year` None is the financial year of `generated` (today); `out_dir` None is
    `default_out_dir(year)`.
    """
    generated = generated or dt.date.today()
    year = year or year_for_date(generated)
    out_dir = default_out_dir(year) if out_dir is None else out_dir
    _check_year(year)
    by_code = {row["code"]: row for row in members_frame.to_dict("records")}
    wanted = sorted(by_code) if codes is None else sorted(set(codes))
    unknown = [code for code in wanted if code not in by_code]
    if unknown:
        raise WorkbookError(
            f"Unknown member code(s): {', '.join(unknown)}. "
            "Run `equality members` to see the codes (e.g. west-midlands)."
        )
    if not wanted:
        raise WorkbookError("No member was named: give --opcc CODE (one or more) or --all.")
    framework = framework or framework_module.load()
    options = {"return_to": return_to, "deadline": deadline, "generated": generated}
    # A copy of the template takes about a millisecond, so the run stays in one process: a pool
    # would cost more to start than the copies take.
    return [
        generate_workbook(by_code[code], year, out_dir, framework=framework, **options)
        for code in wanted
    ]


# Copies of one workbook ------------------------------------------------------------------------

#: The member's fields a workbook shows. Everything else in it is the same for every member.
MEMBER_FIELDS = ("code", "policing_body", "force_area")
#: What the template shows in their place: printable, found nowhere else, and holding a character
#: outside ASCII, so that the template shows how each part writes text (UTF-8 or references).
_STAND_INS = {field: f"\u00a7equality-{field}\u00a7" for field in MEMBER_FIELDS}
#: The longest member text that is copied in; longer text takes the full openpyxl path.
_COPY_LIMIT = 1000


class _TemplateError(ValueError):
    """The saved template does not show the stand-ins as `_xml_text` writes them."""


class Template:
    """The workbook of a stand-in member, built and saved once for a run. Each member's workbook
    is a copy with the member's text written in place of the stand-ins: the file `build_workbook`
    and `outputs.save_workbook` would have made for that member, byte for byte, in a hundredth of
    the time."""

    def __init__(
        self,
        year: str,
        framework: Framework,
        *,
        return_to: str | None = None,
        deadline: str | None = None,
        generated: dt.date,
    ):
        return_to = return_to or DEFAULT_RETURN_TO
        deadline = deadline or DEFAULT_DEADLINE
        self._start = (year, framework, return_to, deadline, generated)
        book = build_workbook(
            _STAND_INS, year, framework, return_to=return_to, deadline=deadline, generated=generated
        )
        with tempfile.TemporaryDirectory(prefix="equality-template-") as scratch:
            saved = outputs.save_workbook(book, Path(scratch) / "template.xlsx")
            self._package = sheets.Package(saved.read_bytes())
        self._rows = _start_rows(_STAND_INS, *self._start)
        # part -> (its content, a pattern of the stand-ins in it, stand-in -> (field, ASCII only))
        self._parts: dict[str, tuple[bytes, re.Pattern, dict[bytes, tuple[str, bool]]]] = {}
        with zipfile.ZipFile(io.BytesIO(self._package.data)) as archive:
            for name in self._package.names:
                content = archive.read(name)
                found = _stand_ins_in(name, content)
                if found:
                    pattern = re.compile(b"|".join(re.escape(stand_in) for stand_in in found))
                    self._parts[name] = (content, pattern, found)
        if not self._parts:
            raise _TemplateError("the template shows no member text")

    def fits(self, member: Mapping[str, object]) -> bool:
        """True when a copy is the member's workbook: its texts are plain (printable, trimmed,
        not empty, not too long) and lay the Start sheet out as the stand-ins do."""
        for field in MEMBER_FIELDS:
            value = member.get(field)
            if not (isinstance(value, str) and value and len(value) <= _COPY_LIMIT):
                return False
            if not value.isprintable() or value != value.strip():
                return False
        rows = _start_rows(member, *self._start)
        return len(rows) == len(self._rows) and all(
            _start_height(*mine[:2]) == _start_height(*stand_in[:2])
            for mine, stand_in in zip(rows, self._rows, strict=True)
            if mine != stand_in
        )

    def copy(self, member: Mapping[str, str]) -> bytes:
        """The member's workbook (a `fits` member), as the bytes of an .xlsx file."""
        parts = {}
        for name, (content, pattern, found) in self._parts.items():
            written = {
                stand_in: _xml_text(member[field], ascii_only)
                for stand_in, (field, ascii_only) in found.items()
            }
            parts[name] = pattern.sub(lambda match, written=written: written[match[0]], content)
        return self._package.copy(parts)


#: The templates this process has made: (year, edition, options) -> (framework, template).
_TEMPLATES: dict[tuple, tuple[Framework, Template | None]] = {}
_TEMPLATES_KEPT = 8


def _cached_template(
    year: str, framework: Framework, options: Mapping[str, object]
) -> Template | None:
    """The template for these options, made once per process (the demo, the tests and the
    year's batch of workbooks each ask for many members with the same options)."""
    key = (year, framework.edition, *sorted(options.items()))
    known = _TEMPLATES.get(key)
    if known is None or known[0] is not framework:
        if len(_TEMPLATES) >= _TEMPLATES_KEPT:
            _TEMPLATES.clear()
        known = _TEMPLATES[key] = (framework, _template(year, framework, options))
    return known[1]


def _template(year: str, framework: Framework, options: Mapping[str, object]) -> Template | None:
    """The run's template, or None (every workbook built in full) when it cannot be made."""
    try:
        return Template(year, framework, **options)
    except (_TemplateError, sheets.PackageError):
        return None


def _stand_ins_in(name: str, content: bytes) -> dict[bytes, tuple[str, bool]]:
    """Each stand-in as part `name` writes it -> (field, whether the part is ASCII only).

    Member text is copied only into the text of a cell (`<t>`) or of a document property: in a
    formula, an attribute or anywhere else its escaping would differ, so the template refuses.
    """
    found = {}
    for field, stand_in in _STAND_INS.items():
        seen = content.count(f"equality-{field}".encode())
        for ascii_only in (True, False):
            written = _xml_text(stand_in, ascii_only)
            for match in re.finditer(re.escape(written), content):
                if not _in_plain_text(name, content, match.start()):
                    raise _TemplateError(f"{name} holds the {field} outside plain text")
                found[written] = (field, ascii_only)
                seen -= 1
        if seen:
            raise _TemplateError(f"{name} writes the {field} in a way the template cannot copy")
    return found


def _in_plain_text(name: str, content: bytes, position: int) -> bool:
    """True when `position` is in the text of a cell's `<t>` or of a document property."""
    opening = content.rfind(b"<", 0, position)
    if opening < 0 or content.rfind(b">", 0, position) < opening:
        return False  # inside a tag: an attribute value
    element = re.match(rb"<([\w:]+)", content[opening : opening + 64])
    return element is not None and (name.startswith("docProps/") or element[1] == b"t")


def _xml_text(text: str, ascii_only: bool) -> bytes:
    """`text` as lxml writes an element's text: &, < and > escaped; in an ASCII-only part,
    every other character outside ASCII as a decimal character reference."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.encode("ascii", "xmlcharrefreplace") if ascii_only else escaped.encode()


def status_read_formula(row: int) -> str:
    """The Status of one criterion row as the pipeline reads it, in lower case."""
    status = _cleaned(f"${CRITERION_LETTERS['status']}{row}")
    return f'=IFERROR(LOWER({status}),"")'


def status_check_formula(row: int) -> str:
    """The check of one criterion row: 2, 1, -1 or 0 (see CHECK_LETTER)."""
    status = f"${READ_LETTER}{row}"
    reason_text = _cleaned(f"${CRITERION_LETTERS['na_reason']}{row}")
    reason = f"LEN({reason_text})>0"
    met = _any_of(status, STATUS_VARIANTS[MET])
    not_applicable = _any_of(status, STATUS_VARIANTS[NOT_APPLICABLE])
    return f"=IFERROR(IF({met},2,IF({not_applicable},IF({reason},1,-1),0)),0)"


def _cleaned(ref: str) -> str:
    """A cell's text as `normalise` cleans it: line breaks, tabs and non-breaking spaces count as
    spaces, dashes as hyphens, other control characters are dropped, then spaces are trimmed."""
    text = ref
    for code in (9, 10, 13):
        text = f'SUBSTITUTE({text},CHAR({code})," ")'
    text = f"CLEAN({text})"
    for code, replacement in ((160, " "), (8211, "-"), (8212, "-")):
        text = f'SUBSTITUTE({text},_xlfn.UNICHAR({code}),"{replacement}")'
    return f"TRIM({text})"


def _any_of(expression: str, spellings: Iterable[str]) -> str:
    tests = ",".join(f'{expression}="{spelling}"' for spelling in spellings)
    return f"OR({tests})"


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _count(number: int) -> str:
    """A small count in words, as the Start sheet reads ("four sections")."""
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)


def _check_year(year: str) -> None:
    if not is_valid_year(year):
        raise WorkbookError(
            f"The reporting year {year!r} is not a financial year: write it like 2025-26."
        )


# Writing cells -------------------------------------------------------------------------------


def _formula(ws: Worksheet, ref: str, formula: str, **style: object) -> Cell:
    cell = ws[ref]
    cell.value = formula
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _add_styles(book: Workbook) -> None:
    plain = Font(name=_FONT, size=11)
    entry = {"font": plain, "fill": _INPUT_FILL, "border": _BOX, "protection": _UNLOCKED}
    book.add_named_style(NamedStyle(_INPUT_STYLE, alignment=_WRAP, **entry))
    book.add_named_style(
        NamedStyle(_DATE_STYLE, alignment=_WRAP_LEFT, number_format=DATE_FORMAT, **entry)
    )
    book.add_named_style(
        NamedStyle(_FRAMEWORK_STYLE, font=plain, alignment=_WRAP, border=_BOX, protection=_LOCKED)
    )


def _input(cell: Cell, style: str = _INPUT_STYLE) -> None:
    cell.style = style


def _widths(ws: Worksheet, widths: Iterable[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _protect(ws: Worksheet) -> None:
    """Lock the sheet against accidents (no password) but let people resize, sort and filter."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.sort = False
    ws.protection.autoFilter = False
    ws.protection.insertHyperlinks = False


def _validation(
    ws: Worksheet, kind: str, prompt_title: str, prompt: str, error: str, **rule: object
) -> DataValidation:
    validation = DataValidation(
        type=kind,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop",
        promptTitle=prompt_title[:32],
        prompt=prompt[:255],
        errorTitle="Not allowed here",
        error=error[:225],
        **rule,
    )
    ws.add_data_validation(validation)
    return validation


def _date_validation(ws: Worksheet, what: str) -> DataValidation:
    first, last = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
    return _validation(
        ws,
        "date",
        what,
        "Type the date day first, as dd/mm/yyyy (for example 31/03/2026).",
        f"{what} must be a date between 01/01/2000 and 31/12/2099, typed as dd/mm/yyyy.",
        operator="between",
        formula1=str((first - _EXCEL_EPOCH).days),
        formula2=str((last - _EXCEL_EPOCH).days),
    )


def _list_validation(
    ws: Worksheet, values: Iterable[str], title: str, prompt: str
) -> DataValidation:
    values = tuple(values)
    return _validation(
        ws,
        "list",
        title,
        prompt,
        f"{title} must be one of: {', '.join(values)}. Choose from the list.",
        formula1='"' + ",".join(values) + '"',
    )


def _coloured_words(ws: Worksheet, ref: str, word_of: str, colours: Mapping[str, tuple]) -> None:
    """Colour the cells of `ref` by a word (`word_of` its first cell's, in lower case)."""
    for word, (fill, text) in colours.items():
        spellings = STATUS_VARIANTS.get(word, (word.lower(),))
        rule = FormulaRule(
            formula=[_any_of(word_of, spellings)],
            fill=PatternFill("solid", fgColor=fill, bgColor=fill),
            font=Font(color=text, bold=True),
            stopIfTrue=True,
        )
        ws.conditional_formatting.add(ref, rule)


# The sheets ----------------------------------------------------------------------------------


def _start_rows(
    member: Mapping[str, str],
    year: str,
    framework: Framework,
    return_to: str,
    deadline: str,
    generated: dt.date,
) -> list[tuple[str, str, Font | None]]:
    """The Start sheet, row by row: (label, text, font)."""
    body = str(member["policing_body"])
    sections = ", ".join(f"{s.number} {s.title}" for s in framework.sections)
    status_meaning = {
        MET: "The OPCC does this now and can show evidence. Counts towards the level.",
        PARTIALLY_MET: "Some of it is in place. Does not count yet: say what is missing.",
        NOT_MET: "Not in place yet. Give an owner (a role) and a target date.",
        NOT_APPLICABLE: (
            "Does not apply to this OPCC. Counts towards the level only with a reason in "
            f"'{layout.CRITERION_COLUMNS['na_reason']}'; reasons are shown in the report so that "
            "they can be challenged."
        ),
    }
    rows: list[tuple[str, str, Font | None]] = [
        (f"Equality Framework self-assessment {year}", "", _TITLE),
        ("For", f"{body} ({member['force_area']})", _BOLD),
        ("", "", None),
        ("The framework", "", _BOLD),
        (
            "What it is",
            f"The {framework.title} ({framework.update}) helps the office of the police and crime "
            "commissioner (OPCC) meet the Public Sector Equality Duty of the Equality Act 2010 and "
            "hold the force to account on equality. It has "
            f"{_count(len(framework.sections))} sections: "
            f"{sections}. Each section has themes, and each theme has criteria at three levels.",
            None,
        ),
        ("", "", None),
        ("How to fill it in", "", _BOLD),
        ("1. Profile", "Check the prefilled details and fill in the yellow cells.", None),
        (
            "2. Section sheets",
            "For every criterion choose a Status from the list, describe the evidence, add a link "
            "to it, and name an owner (a role, not a person) and a target date for anything not "
            "yet met. Write a commentary for each theme in its yellow commentary cell.",
            None,
        ),
        ("3. Objectives", "List the OPCC's equality objectives and their progress.", None),
        (
            "4. Scorecard",
            "Shows the level each theme and section reaches as you fill in. Nothing to type.",
            None,
        ),
        (
            "Please keep",
            "Yellow cells are for you; everything else is locked so that the workbook can be read "
            "back automatically. Do not rename sheets or change criterion ids. You can widen "
            "columns, make rows taller, filter and print.",
            None,
        ),
        ("", "", None),
        ("Statuses", "", _BOLD),
        *((status, status_meaning[status], None) for status in STATUSES),
        ("(blank)", "Not assessed yet. Does not count towards the level.", None),
        ("", "", None),
        ("Levels", "", _BOLD),
        *((level, framework.level_definitions[level], None) for level in LEVELS),
        (
            "Levels are cumulative",
            f"{framework.scoring_rule} A criterion counts when it is Met, or Not applicable with a "
            "reason. A theme reaches a level when every criterion of that level and of every "
            "level below it counts; if any Developing criterion does not count, the theme is "
            f"'{NOT_YET}'. A section stands at the lowest level of its themes. There is no "
            "overall score.",
            None,
        ),
        ("", "", None),
        ("Sending it back", "", _BOLD),
        ("Email the workbook to", return_to, None),
        ("By", deadline, None),
        (
            "How",
            "Send this .xlsx file as it is (Excel or LibreOffice). Do not convert it to PDF or "
            "protect it with a password.",
            None,
        ),
        ("", "", None),
        ("About this workbook", "", _BOLD),
        ("Member code", str(member["code"]), None),
        ("Template", f"{layout.TEMPLATE_ID} version {layout.TEMPLATE_VERSION}", None),
        ("Framework edition", f"{framework.edition} ({framework.update})", None),
        ("Generated", generated.strftime("%d/%m/%Y"), None),
    ]
    return rows


def _start_height(label: str, text: str) -> float | None:
    """The height of a Start sheet row (None: the default, for a row without text)."""
    return sheets.row_height([(text, 100), (label, 26)]) if text else None


def _start_sheet(book: Workbook, rows: list[tuple[str, str, Font | None]]) -> None:
    ws = book.create_sheet(layout.START_SHEET)
    _widths(ws, (26, 100))
    for row, (label, text, font) in enumerate(rows, start=1):
        sheets.put(ws, f"A{row}", label or None, alignment=_TOP)
        sheets.put(ws, f"B{row}", text or None, alignment=_WRAP)
        if font is not None:
            ws[f"A{row}"].font = font
            ws[f"B{row}"].font = font
        if text:
            ws.row_dimensions[row].height = _start_height(label, text)
    sheets.print_landscape(ws, None)
    _protect(ws)


def _profile_sheet(book: Workbook, member: Mapping[str, str], year: str) -> None:
    ws = book.create_sheet(layout.PROFILE_SHEET)
    _widths(ws, (40, 70, 48))
    sheets.put(ws, "A1", "Profile", font=_TITLE)
    sheets.put(
        ws, "B1", "Fill in the yellow cells. Grey cells are filled in for you.", font=_ITALIC
    )
    prefilled = {
        "opcc_code": member["code"],
        "policing_body": member["policing_body"],
        "force_area": member["force_area"],
        "reporting_year": year,
    }
    notes = {
        "lead_role": "A role, not a person's name (e.g. Head of Policy and Equality).",
        "contact_name": "Who the APCC can contact about this return.",
        "contact_email": "A team mailbox is best.",
        "employees": (
            "OPCC staff only, not the force. Under 150 employees: the duty to publish "
            "information about employees does not apply."
        ),
        "signoff_role": "The role that approved this return (e.g. Chief Executive).",
        "signoff_date": "dd/mm/yyyy",
        "equality_statement": "As the PCC would publish it. Long text is fine.",
        "published_links": "Web addresses of the published equality information, one per line.",
    }
    heights = {"equality_statement": 160, "published_links": 60}
    employees = _validation(
        ws,
        "whole",
        "Number of OPCC employees",
        "A whole number, 0 or more (OPCC staff only, not the force).",
        "The number of OPCC employees must be a whole number, 0 or more.",
        operator="greaterThanOrEqual",
        formula1="0",
    )
    signoff = _date_validation(ws, "Sign-off date")
    for row, (key, label, is_prefilled) in enumerate(layout.PROFILE_FIELDS, start=3):
        sheets.put(ws, f"A{row}", label, font=_BOLD, alignment=_TOP)
        value = ws[f"B{row}"]
        if is_prefilled:
            sheets.put(ws, f"B{row}", str(prefilled[key]), fill=_DESCRIPTOR_FILL, alignment=_WRAP)
        else:
            _input(value)
            sheets.put(ws, f"C{row}", notes.get(key), font=_ITALIC, alignment=_WRAP)
        if key == "employees":
            employees.add(value.coordinate)
            value.number_format = "0"
            value.alignment = _WRAP_LEFT
        elif key == "signoff_date":
            signoff.add(value.coordinate)
            _input(value, _DATE_STYLE)
        sheets.fit_row(ws, row, [(label, 40), (notes.get(key, ""), 48)])
        height = ws.row_dimensions[row].height
        ws.row_dimensions[row].height = max(height, heights.get(key, 0), 30)
    ws.freeze_panes = "A3"
    sheets.print_landscape(ws, "1:1")
    _protect(ws)


def _criterion_sheet(book: Workbook, section: framework_module.Section) -> None:
    ws = book.create_sheet(section.sheet)
    widths = [_CRITERION_WIDTHS[key] for key in layout.CRITERION_COLUMNS]
    _widths(ws, [*widths, 10, 10])
    ws.column_dimensions[CHECK_LETTER].hidden = True
    ws.column_dimensions[READ_LETTER].hidden = True
    col = CRITERION_LETTERS
    last_letter = col["na_reason"]
    sheets.put(ws, "A1", f"Section {section.number}: {section.title}", font=_TITLE)
    sheets.put(
        ws,
        f"{col['status']}1",
        "Fill in the yellow cells; choose each Status from the list.",
        font=_ITALIC,
    )
    for key, label in layout.CRITERION_COLUMNS.items():
        sheets.put(ws, f"{col[key]}{HEADER_ROW}", label, font=_HEADER_FONT, fill=_HEADER_FILL)
        ws[f"{col[key]}{HEADER_ROW}"].alignment = _WRAP
    ws.row_dimensions[HEADER_ROW].height = 33
    for letter, label in ((CHECK_LETTER, CHECK_LABEL), (READ_LETTER, READ_LABEL)):
        sheets.put(ws, f"{letter}{HEADER_ROW}", label, font=_HEADER_FONT, fill=_HEADER_FILL)

    statuses = _list_validation(
        ws,
        STATUSES,
        "Status",
        "Choose Met, Partially met, Not met or Not applicable. Not applicable counts only with a "
        "reason in the last column. Leave blank if not assessed yet.",
    )
    dates = _date_validation(ws, "Target date")
    row = HEADER_ROW + 1
    for theme in section.themes:
        for letter in CRITERION_LETTERS.values():
            ws[f"{letter}{row}"].fill = _THEME_FILL
        sheets.put(ws, f"A{row}", f"Theme {theme.number}: {theme.title}", font=_BOLD)
        ws.row_dimensions[row].height = 21
        row += 1
        for level in theme.levels:
            for letter in CRITERION_LETTERS.values():
                ws[f"{letter}{row}"].fill = _DESCRIPTOR_FILL
            sheets.put(ws, f"A{row}", level.code, font=_ITALIC, alignment=_TOP)
            sheets.put(ws, f"B{row}", level.name, font=_ITALIC, alignment=_TOP)
            sheets.put(ws, f"{col['criterion_text']}{row}", level.descriptor, font=_ITALIC)
            ws[f"{col['criterion_text']}{row}"].alignment = _WRAP
            sheets.fit_row(ws, row, [(level.descriptor, _CRITERION_WIDTHS["criterion_text"])])
            row += 1
        first = row
        for criterion in theme.criteria:
            sheets.put(ws, f"{col['criterion_id']}{row}", criterion.id, style=_FRAMEWORK_STYLE)
            sheets.put(ws, f"{col['level']}{row}", criterion.level, style=_FRAMEWORK_STYLE)
            sheets.put(ws, f"{col['criterion_text']}{row}", criterion.text, style=_FRAMEWORK_STYLE)
            for key in layout.CRITERION_INPUTS:
                _input(
                    ws[f"{col[key]}{row}"], _DATE_STYLE if key == "target_date" else _INPUT_STYLE
                )
            _formula(ws, f"{READ_LETTER}{row}", status_read_formula(row))
            _formula(ws, f"{CHECK_LETTER}{row}", status_check_formula(row))
            sheets.fit_row(ws, row, [(criterion.text, _CRITERION_WIDTHS["criterion_text"])])
            row += 1
        statuses.add(f"{col['status']}{first}:{col['status']}{row - 1}")
        dates.add(f"{col['target_date']}{first}:{col['target_date']}{row - 1}")
        label = layout.COMMENTARY_LABEL.format(theme=theme.number)
        sheets.put(ws, f"A{row}", label, font=_BOLD, alignment=_WRAP)
        _input(ws[f"{col['criterion_text']}{row}"])
        ws.row_dimensions[row].height = 75
        row += 2
    last = row - 2
    status_range = f"{col['status']}{HEADER_ROW + 1}:{col['status']}{last}"
    _coloured_words(ws, status_range, f"${READ_LETTER}{HEADER_ROW + 1}", STATUS_COLOURS)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_letter}{last}"
    sheets.print_landscape(ws, f"{HEADER_ROW}:{HEADER_ROW}")
    _protect(ws)


def _objectives_sheet(book: Workbook) -> None:
    ws = book.create_sheet(layout.OBJECTIVES_SHEET)
    widths = {
        "number": 6,
        "objective": 40,
        "related_themes": 14,
        "measure": 30,
        "baseline": 20,
        "target": 20,
        "progress": 14,
        "commentary": 40,
    }
    _widths(ws, [widths[key] for key in layout.OBJECTIVE_COLUMNS])
    letters = {
        key: get_column_letter(index) for index, key in enumerate(layout.OBJECTIVE_COLUMNS, start=1)
    }
    sheets.put(ws, "A1", "Equality objectives", font=_TITLE)
    sheets.put(
        ws,
        f"{letters['related_themes']}1",
        "Specific, measurable objectives, published at least every four years. Related themes: "
        "theme numbers, e.g. 3, 9.",
        font=_ITALIC,
    )
    for key, label in layout.OBJECTIVE_COLUMNS.items():
        sheets.put(ws, f"{letters[key]}{HEADER_ROW}", label, font=_HEADER_FONT, fill=_HEADER_FILL)
        ws[f"{letters[key]}{HEADER_ROW}"].alignment = _WRAP
    ws.row_dimensions[HEADER_ROW].height = 33
    progress = _list_validation(
        ws,
        layout.PROGRESS_VALUES,
        "Progress",
        "Choose " + ", ".join(layout.PROGRESS_VALUES) + ".",
    )
    first = HEADER_ROW + 1
    last = HEADER_ROW + layout.OBJECTIVE_ROWS
    for row in range(first, last + 1):
        sheets.put(ws, f"{letters['number']}{row}", row - HEADER_ROW, style=_FRAMEWORK_STYLE)
        for key in layout.OBJECTIVE_COLUMNS:
            if key != "number":
                _input(ws[f"{letters[key]}{row}"])
        ws.row_dimensions[row].height = 48
    progress.add(f"{letters['progress']}{first}:{letters['progress']}{last}")
    ws.freeze_panes = f"A{first}"
    sheets.print_landscape(ws, f"{HEADER_ROW}:{HEADER_ROW}")
    _protect(ws)


def _scorecard_sheet(book: Workbook, framework: Framework) -> None:
    """Live levels per theme and section, counted from each criterion sheet's helper column."""
    ws = book.create_sheet(layout.SCORECARD_SHEET)
    headers = ["Section", "Theme", "Title"]
    for level in LEVELS:
        headers += [f"{level}: counted", f"{level}: criteria"]
    headers += [
        "Level reached",
        "Not applicable, with a reason",
        "Not applicable, no reason (does not count)",
    ]
    _widths(ws, (9, 8, 56, *(12, 11) * len(LEVELS), 20, 14, 16))
    sheets.put(ws, "A1", "Scorecard", font=_TITLE)
    sheets.put(
        ws,
        "A2",
        "Updates as you fill in. A criterion counts when it is Met, or Not applicable with a "
        "reason. Levels are cumulative: a theme reaches a level when every criterion of that level "
        "and the levels below counts; a section stands at the lowest level of its themes.",
        font=_ITALIC,
    )
    header = _SCORECARD_HEADER_ROW
    for index, label in enumerate(headers, start=1):
        cell = sheets.put(ws, f"{get_column_letter(index)}{header}", label, font=_HEADER_FONT)
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP
    ws.row_dimensions[header].height = 48
    counted = {level: get_column_letter(4 + 2 * i) for i, level in enumerate(LEVELS)}
    totals = {level: get_column_letter(5 + 2 * i) for i, level in enumerate(LEVELS)}
    # After Section, Theme, Title and two columns per level: the level, then the N/A counts.
    level_col, claimed_col, unreasoned_col = (
        get_column_letter(4 + 2 * len(LEVELS) + offset) for offset in range(3)
    )
    centred = Alignment(horizontal="center", vertical="top")

    def level_formula(row: int) -> str:
        formula = f'"{LEVELS[-1]}"'
        for below, level in reversed(list(zip(LEVEL_LADDER[:-1], LEVELS, strict=True))):
            formula = f'IF({counted[level]}{row}<{totals[level]}{row},"{below}",{formula})'
        return "=" + formula

    def label_row(row: int, section: int, theme: int | None, title: str) -> None:
        sheets.put(ws, f"A{row}", section, alignment=centred)
        sheets.put(ws, f"B{row}", theme, alignment=centred)
        sheets.put(ws, f"C{row}", title, alignment=_WRAP)
        sheets.fit_row(ws, row, [(title, 56)])

    row = header + 1
    for section in framework.sections:
        sheet = section.sheet.replace("'", "''")
        id_col = CRITERION_LETTERS["criterion_id"]
        ids = f"'{sheet}'!${id_col}:${id_col}"
        checks = f"'{sheet}'!${CHECK_LETTER}:${CHECK_LETTER}"
        section_row = row
        label_row(section_row, section.number, None, f"Section {section.number}: {section.title}")
        theme_rows = range(section_row + 1, section_row + 1 + len(section.themes))
        for theme, theme_row in zip(section.themes, theme_rows, strict=True):
            label_row(theme_row, section.number, theme.number, theme.title)
            for level in theme.levels:
                _formula(
                    ws,
                    f"{counted[level.name]}{theme_row}",
                    f'=COUNTIFS({ids},"{level.code}.*",{checks},">0")',
                )
                sheets.put(ws, f"{totals[level.name]}{theme_row}", len(level.criteria))
            _formula(ws, f"{level_col}{theme_row}", level_formula(theme_row), font=_BOLD)
            for column, check in ((claimed_col, 1), (unreasoned_col, -1)):
                _formula(
                    ws,
                    f"{column}{theme_row}",
                    f'=COUNTIFS({ids},"{theme.number}.*",{checks},"={check}")',
                )
        first, last = theme_rows.start, theme_rows.stop - 1
        for column in [*counted.values(), *totals.values(), claimed_col, unreasoned_col]:
            _formula(ws, f"{column}{section_row}", f"=SUM({column}{first}:{column}{last})")
        _formula(ws, f"{level_col}{section_row}", level_formula(section_row))
        for index in range(1, len(headers) + 1):
            cell = ws.cell(row=section_row, column=index)
            cell.font = _BOLD
            cell.fill = _THEME_FILL
        row = last + 2
    last_row = row - 2
    level_range = f"{level_col}{header + 1}:{level_col}{last_row}"
    _coloured_words(ws, level_range, f"LOWER({level_col}{header + 1})", LEVEL_COLOURS)

    row += 1
    sheets.put(ws, f"C{row}", "Themes at each level", font=_BOLD)
    theme_levels = f"${level_col}${header + 1}:${level_col}${last_row}"
    theme_numbers = f"$B${header + 1}:$B${last_row}"
    for offset, name in enumerate(LEVEL_LADDER, start=1):
        sheets.put(ws, f"C{row + offset}", name)
        _formula(ws, f"D{row + offset}", f'=COUNTIFS({theme_levels},"{name}",{theme_numbers},">0")')
    ws.freeze_panes = f"D{header + 1}"
    sheets.print_landscape(ws, f"{header}:{header}")
    _protect(ws)


def _metadata_sheet(book: Workbook, metadata: Mapping[str, str]) -> None:
    ws = book.create_sheet(layout.META_SHEET)
    for row, key in enumerate(layout.META_KEYS, start=1):
        sheets.put(ws, f"A{row}", key)
        sheets.put(ws, f"B{row}", metadata[key])
    _widths(ws, (22, 70))
    ws.sheet_state = "veryHidden"
    _protect(ws)


def _properties(
    book: Workbook,
    member: Mapping[str, str],
    year: str,
    framework: Framework,
    metadata: Mapping[str, str],
    generated: dt.date,
) -> None:
    sheets.set_properties(
        book,
        author=AUTHOR,
        stamp=generated,
        title=f"Equality Framework self-assessment {year}: {member['policing_body']}",
        subject=f"{framework.title}, edition {framework.edition}",
        keywords=f"equality; self-assessment; {member['code']}; {year}",
        description=f"Template {layout.TEMPLATE_ID} version {layout.TEMPLATE_VERSION}",
    )
    for key in layout.META_KEYS:
        book.custom_doc_props.append(StringProperty(name=key, value=metadata[key]))
