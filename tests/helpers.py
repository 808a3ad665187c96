"""Helpers the tests share: filled returns, damaged copies, LibreOffice, reading outputs.

Every test module imports shared helpers from here, never from another test module.
"""

from __future__ import annotations

import atexit
import csv
import datetime as dt
import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd
import pytest
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import Workbook, load_workbook

from pipeline import (
    framework,
    ingest,
    layout,
    members,
    normalise,
    vocabulary,
)
from pipeline.fill import fill_book, fill_workbook
from pipeline.returns import RESPONSE_COLUMNS
from pipeline.workbook import HEADER_ROW

# --- LibreOffice and the generated date --------------------------------------------------------

#: The generated date of every test workbook, so that runs are repeatable.
GENERATED = dt.date(2025, 4, 1)


SOFFICE = shutil.which("soffice")


needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not found")


def convert(paths: list[Path], target: str, out_dir: Path, timeout: float = 240) -> list[Path]:
    """Convert `paths` with LibreOffice headless (one soffice call, a private profile).

    `target` is soffice's --convert-to argument ("pdf", "xls", "xlsx:Calc MS Excel 2007 XML").
    Returns the converted files in the order given.
    """
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not found")
    out_dir.mkdir(parents=True, exist_ok=True)
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError("convert() needs distinct file names: they share one output folder.")
    try:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={_libreoffice_profile().as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                *map(str, paths),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    except BaseException:
        _forget_libreoffice_profile()  # a killed or failed soffice may leave it half made
        raise
    extension = target.split(":")[0]
    converted = [out_dir / f"{stem}.{extension}" for stem in stems]
    missing = [p.name for p in converted if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not convert: {', '.join(missing)}")
    return converted


_PROFILES: list[Path] = []


def _libreoffice_profile() -> Path:
    """This test process's LibreOffice profile: made by its first soffice call and used by the
    next (its calls run one at a time), which then start in about a third of a second less;
    removed as the process ends."""
    if not _PROFILES:
        _PROFILES.append(Path(tempfile.mkdtemp(prefix="lo-tests-")))
        atexit.register(_forget_libreoffice_profile)
    return _PROFILES[0]


def _forget_libreoffice_profile() -> None:
    while _PROFILES:
        shutil.rmtree(_PROFILES.pop(), ignore_errors=True)


def recalculate(paths: list[Path], out_dir: Path) -> list[Path]:
    """Open and re-save `paths` in LibreOffice, so formulas hold values; names are kept."""
    return convert(paths, "xlsx:Calc MS Excel 2007 XML", out_dir)


# --- filled returns and the damage people do to them -------------------------------------------

YEAR = "2025-26"


SIGNOFF = dt.date(2026, 5, 20)


PROFILE = {
    "lead_role": "Head of Policy and Equality",
    "contact_name": "Sam Jones",
    "contact_email": "equality@opcc.example.gov.uk",
    "employees": 24,
    "signoff_role": "Chief Executive",
    "signoff_date": SIGNOFF,
    "equality_statement": "The Commissioner is committed to fairness for every community.",
    "published_links": "https://opcc.example.gov.uk/equality",
}


OBJECTIVES = [
    {
        "objective": "Reduce disproportionality in stop and search",
        "related_themes": "1, 12",
        "measure": "Black/white stop and search ratio",
        "baseline": "4.1 (2024-25)",
        "target": "Below 2.5 by March 2028",
        "progress": "On track",
        "commentary": "Scrutiny panel reviews every quarter.",
    },
    {
        "objective": "A workforce that reflects the county",
        "related_themes": "13",
        "measure": "Share of staff from ethnic minorities",
        "baseline": "6%",
        "target": "11% by 2028",
        "progress": "At risk",
        "commentary": "",
    },
]


#: The theme whose Advancing criteria the complete return leaves Not met, with a target date.
OPEN_THEME = 16


NOT_APPLICABLE_ID = "1.1.c"


KEY_COLUMNS = [
    "criterion_id",
    "status",
    "status_raw",
    "evidence",
    "evidence_link",
    "owner",
    "target_date",
    "na_reason",
    "criterion_text",
]


def complete_answers() -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    """A return with nothing to warn about: everything Met with evidence, one Not applicable
    with a reason, and one theme's Advancing criteria Not met with an owner and a future date."""
    fw = framework.load()
    statuses: dict[str, object] = {c.id: vocabulary.MET for c in fw.criteria}
    answers = {
        c.id: {
            "evidence": f"Board minutes recording {c.id}",
            "evidence_link": "https://opcc.example.gov.uk/equality",
            "owner": "Head of Policy",
        }
        for c in fw.criteria
    }
    for criterion in fw.theme(OPEN_THEME).level("Advancing").criteria:
        statuses[criterion.id] = vocabulary.NOT_MET
        answers[criterion.id]["target_date"] = dt.date(2026, 12, 31)
    statuses[NOT_APPLICABLE_ID] = vocabulary.NOT_APPLICABLE
    answers[NOT_APPLICABLE_ID]["na_reason"] = "The force area has no youth justice service."
    return statuses, answers


def filled_return(
    blank: Path,
    target: Path,
    *,
    statuses: Mapping[str, object] | None = None,
    answers: Mapping[str, Mapping[str, object]] | None = None,
    profile: Mapping[str, object] | None = None,
    objectives: list[dict[str, object]] | None = None,
    commentary: Mapping[int, object] | None = None,
) -> Path:
    """The complete return, with these values typed over it; written to `target`.

    The same blank with the same values gives the same workbook, so each is filled once per test
    process and copied after that (filling is the slow part of many tests' set-up)."""
    key = (
        hashlib.sha256(Path(blank).read_bytes()).hexdigest(),
        repr((statuses, answers, profile, objectives, commentary)),
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    if key in _FILLED:
        target.write_bytes(_FILLED[key])
        return target
    _fill_return(
        blank,
        target,
        statuses=statuses,
        answers=answers,
        profile=profile,
        objectives=objectives,
        commentary=commentary,
    )
    _FILLED[key] = target.read_bytes()
    return target


#: Filled returns already made in this process: (blank's digest, values) -> the file's bytes.
_FILLED: dict[tuple[str, str], bytes] = {}


def _fill_return(
    blank: Path,
    target: Path,
    *,
    statuses: Mapping[str, object] | None,
    answers: Mapping[str, Mapping[str, object]] | None,
    profile: Mapping[str, object] | None,
    objectives: list[dict[str, object]] | None,
    commentary: Mapping[int, object] | None,
) -> Path:
    return fill_workbook(
        blank,
        target,
        **_complete_values(
            statuses=statuses,
            answers=answers,
            profile=profile,
            objectives=objectives,
            commentary=commentary,
        ),
    )


def _complete_values(
    *,
    statuses: Mapping[str, object] | None = None,
    answers: Mapping[str, Mapping[str, object]] | None = None,
    profile: Mapping[str, object] | None = None,
    objectives: list[dict[str, object]] | None = None,
    commentary: Mapping[int, object] | None = None,
) -> dict[str, object]:
    """fill_workbook's values for the complete return, with these typed over it."""
    base_statuses, base_answers = complete_answers()
    base_statuses.update(statuses or {})
    for cid, values in (answers or {}).items():
        base_answers.setdefault(cid, {}).update(values)
    return {
        "statuses": base_statuses,
        "answers": base_answers,
        "profile": {**PROFILE, **(profile or {})},
        "objectives": OBJECTIVES if objectives is None else objectives,
        "commentary": {
            theme.number: f"Progress on theme {theme.number} this year."
            for theme in framework.load().themes
        }
        | dict(commentary or {}),
    }


def filled_and_changed(blank: Path, change: Callable[[Workbook], None], target: Path) -> Path:
    """The complete return (`filled_return`'s) with `change` made to it, saved once: what `edit`
    of a filled return gives, without saving and reading the filled copy in between."""
    book = load_workbook(blank)
    fill_book(book, **_complete_values())
    change(book)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def returned(folder: Path, code: str = "kent", year: str = YEAR) -> Path:
    """Where a return lands in the APCC's inbox: its generated name, in `folder`."""
    return folder / layout.WORKBOOK_NAME.format(code=code, year=year)


def edit(path: Path, change: Callable[[Workbook], None], target: Path | None = None) -> Path:
    """Open a workbook as a person would, change it, save it (in place unless `target`)."""
    book = load_workbook(path)
    change(book)
    target = target or path
    book.save(target)
    return target


def rezip(
    source: Path,
    target: Path,
    *,
    replace: Mapping[str, bytes] | None = None,
    add: Mapping[str, bytes] | None = None,
) -> Path:
    """A copy of a workbook's zip with some parts replaced or added."""
    replace, add = dict(replace or {}), dict(add or {})
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.pop(info.filename, old.read(info)))
        for name, data in {**replace, **add}.items():
            new.writestr(name, data)
    return target


def paste_values(source: Path, target: Path, *, ids: bool = False, headers: bool = True) -> Path:
    """Every visible sheet's values pasted into a fresh workbook: no metadata, no properties,
    no formulas; criterion ids (and optionally header rows) left behind."""
    old = load_workbook(source)
    new = Workbook()
    new.remove(new.active)
    criterion_sheets = set(layout.SECTION_SHEETS.values())
    for ws in old.worksheets:
        if ws.sheet_state != "visible":
            continue
        out = new.create_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value.startswith("="):
                    continue
                if ws.title in criterion_sheets:
                    if not ids and cell.column == 1 and normalise.criterion_id(value):
                        continue
                    if not headers and cell.row == HEADER_ROW:
                        continue
                out.cell(row=cell.row, column=cell.column, value=value)
    new.save(target)
    return target


def read(path: Path, **options):
    found, problems = ingest.read_return(path, **options)
    return found, problems


def codes(problems) -> list[str]:
    return sorted(p.code for p in problems)


def only(problems, code: str):
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, [p.message for p in problems]
    return matching[0]


def rows(ws, first: int = HEADER_ROW + 1) -> list[list[object]]:
    return [[cell.value for cell in row] for row in ws.iter_rows(min_row=first, max_col=10)]


def row_number(ws, criterion_id: str) -> int:
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        if cell.value == criterion_id:
            return cell.row
    raise AssertionError(criterion_id)


# --- responses frames as ingest builds them ----------------------------------------------------

FW = framework.load()


CRITERIA = FW.frame


IDS = CRITERIA["criterion_id"].tolist()


MISSING = "(row missing)"


def responses_for(
    code: str,
    statuses: Mapping[str, str] | None = None,
    *,
    default: str = "Met",
    reasons: Mapping[str, str] | None = None,
    owners: Mapping[str, str] | None = None,
    dates: Mapping[str, dt.date] | None = None,
    drop: Iterable[str] = (),
) -> pd.DataFrame:
    """A responses frame as ingest builds it: `default` status unless `statuses` says otherwise.

    A status of MISSING, or an id in `drop`, leaves that criterion's row out altogether.
    """
    statuses = statuses or {}
    reasons = reasons or {}
    owners = owners or {}
    dates = dates or {}
    rows = []
    for row in CRITERIA.itertuples():
        cid = row.criterion_id
        status = statuses.get(cid, default)
        if cid in drop or status == MISSING:
            continue
        rows.append(
            {
                "opcc_code": code,
                "criterion_id": cid,
                "theme": row.theme,
                "level": row.level,
                "status": status,
                "status_raw": status,
                "evidence": "See the published report" if status == "Met" else "",
                "evidence_link": "",
                "owner": owners.get(cid, "Equality lead"),
                "target_date": pd.Timestamp(dates[cid]) if cid in dates else pd.NaT,
                "target_date_raw": "",
                "na_reason": reasons.get(cid, ""),
                "criterion_text": row.text,
                "sheet": f"{row.section} Section",
                "row": len(rows) + 2,
            }
        )
    frame = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    frame["target_date"] = pd.to_datetime(frame["target_date"])
    return frame


def ids_of(theme: int, level: str) -> list[str]:
    rows = CRITERIA[(CRITERIA["theme"] == theme) & (CRITERIA["level"] == level)]
    return rows["criterion_id"].tolist()


# --- colour contrast (WCAG) --------------------------------------------------------------------


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[-6:][i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- reading the benchmark workbook ------------------------------------------------------------


def table_rows(ws, name: str) -> list[dict]:
    """The body rows of an Excel table as dicts keyed by its header."""
    table = ws.tables[name]
    cells = list(ws[table.ref])
    header = [c.value for c in cells[0]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in cells[1:]]


# --- reading a Word report ---------------------------------------------------------------------


def blocks(document) -> list[Paragraph | Table]:
    """Paragraphs and tables of the body, in document order."""
    items = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            items.append(Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            items.append(Table(child, document))
    return items


def is_heading(block: Paragraph | Table, text: str) -> bool:
    """A heading with this text (the contents list the same words in TOC styles)."""
    return (
        isinstance(block, Paragraph)
        and block.style.name.startswith("Heading")
        and block.text == text
    )


def table_after(document, heading: str, nth: int = 0, occurrence: int = 0) -> Table:
    """The `nth` table after the `occurrence`-th paragraph whose text is `heading`."""
    items = blocks(document)
    found = [i for i, b in enumerate(items) if is_heading(b, heading)]
    start = found[occurrence]
    tables = [b for b in items[start + 1 :] if isinstance(b, Table)]
    return tables[nth]


def docx_rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


# --- two years of members -----------------------------------------------------------------------

#: avon-and-somerset's code last year, and a member on last year's list only.
OLD_CODE = "avon-somerset"
GONE = "legacy-force"


def two_year_member_lists(root: Path) -> tuple[Path, Path]:
    """(last year's member list, this year's): the built-in list with avon-and-somerset under
    OLD_CODE last year (this year's list names it as a previous code) and GONE only last year."""
    rows = members.load_members().to_dict("records")
    last = [dict(r, code=OLD_CODE) if r["code"] == "avon-and-somerset" else r for r in rows]
    last.append(
        {
            "code": GONE,
            "force_area": "Legacy",
            "policing_body": "Legacy Police and Crime Commissioner",
            "region": "Wales",
        }
    )
    this = [
        dict(r, previous_codes=OLD_CODE if r["code"] == "avon-and-somerset" else "") for r in rows
    ]
    paths = root / "members-last.csv", root / "members-this.csv"
    for path, listed in zip(paths, (last, this), strict=True):
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(listed[0]))
            writer.writeheader()
            writer.writerows(listed)
    return paths


def member_subset(codes: Iterable[str], path: Path) -> Path:
    """The built-in member list's rows for `codes`, every column kept (the welsh flag too)."""
    listed = pd.read_csv(members.default_members_path(), dtype=str, keep_default_na=False)
    listed[listed["code"].isin(set(codes))].to_csv(path, index=False)
    return path
