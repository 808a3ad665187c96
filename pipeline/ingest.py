"""Reading one returned workbook into tidy frames, whatever happened to it on the way back.

Returns come back after weeks in Excel, LibreOffice or Google Sheets, so nothing is found by
position: sheets are recognised by their content, columns by their header labels, criterion rows by
id (or, when ids were lost, by the criterion text). A file that cannot be trusted never raises:
`read_return` gives (None, [errors]) and every doubt along the way becomes a coded warning.

Safety comes first because returns arrive by email: the file type is sniffed from its bytes, zip
sizes are checked before anything is unpacked, XML that declares entities is refused (and openpyxl
parses through defusedxml), macros are never loaded, and the input file is only ever read.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import errno
import functools
import hashlib
import io
import os
import re
import stat
import time
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import defusedxml
import msoffcrypto
import olefile
import openpyxl
import pandas as pd
from defusedxml import ElementTree
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser
from python_calamine import CalamineWorkbook, SheetTypeEnum

from pipeline import framework as framework_module
from pipeline import layout, normalise, rules
from pipeline.problems import Code, Problem, listing
from pipeline.returns import COMMENTARY_COLUMNS, OBJECTIVE_COLUMNS, RESPONSE_COLUMNS, Return
from pipeline.vocabulary import parse_year, year_in_name

if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a declared dependency
    raise ImportError("defusedxml must be installed: openpyxl parses untrusted returns with it.")

#: The most a workbook may unpack to. A return is a few MB at most; a zip bomb is far more.
DEFAULT_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
_ENTITY_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_HEADER_SCAN_ROWS = 40
_WORKBOOK_NAME = re.compile(r"^(?P<code>[a-z0-9-]+?)-equality-self-assessment", re.IGNORECASE)
_FUZZY_CUTOFF = 0.85
#: Values up to this long have their cleaned and folded forms remembered: the same labels,
#: statuses and criterion texts come back in every return, and cleaning them was a good part of
#: reading one. Longer text (evidence, commentary) is cleaned each time, so memory stays small.
_REMEMBERED_LENGTH = 400
#: Short values remembered by each cleaning function, at most: enough for what every return
#: repeats; what is a return's own passes through.
REMEMBERED = 4096


_T = TypeVar("_T")


def _remembering(function: Callable[[object], _T]) -> Callable[[object], _T]:
    """`function`, its results remembered for short values (a longer one, or one that cannot be
    a key, none of calamine's or openpyxl's, is worked out each time)."""
    remembered = functools.lru_cache(maxsize=REMEMBERED, typed=True)(function)

    @functools.wraps(function)
    def call(value: object) -> str:
        if isinstance(value, str) and len(value) > _REMEMBERED_LENGTH:
            return function(value)
        try:
            return remembered(value)
        except TypeError:
            return function(value)

    return call


_clean = _remembering(normalise.clean_text)
_fold = _remembering(normalise.fold)
_criterion_id = _remembering(normalise.criterion_id)
_status = _remembering(normalise.canonical_status)
#: Text each return has its own (evidence, links, commentary) is cleaned each time: remembered,
#: it would only push out the labels and statuses that do come back, and fill memory.
_clean_own = normalise.clean_text


#: The most rows and columns read from one sheet. The workbook has about a hundred rows per sheet
#: and ten columns; a cell typed far down or far right must not make a reader allocate the whole
#: range up to it (Excel's last cell is row 1,048,576, column 16,384).
MAX_ROWS = 5000
MAX_COLUMNS = 200
#: The longest reading one file may take, in seconds (its bytes, then its sheets).
READ_SECONDS = 120
_READ_CHUNK = 1 << 20


class PasswordsError(ValueError):
    """A --passwords file that cannot be read: the message names the file and the fix."""


def load_passwords(path: Path | None) -> dict[str, str]:
    """member code -> password, from a two-column CSV (code,password; a header row is optional)."""
    if path is None:
        return {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if row and row[0].strip()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PasswordsError(f"{path}: the passwords file cannot be read ({exc}).") from exc
    if rows and rows[0][0].strip().lower() == "code":
        rows = rows[1:]
    if any(len(row) < 2 for row in rows):
        raise PasswordsError(
            f"{path}: every line must be 'member code,password' (e.g. west-midlands,Secret1)."
        )
    return {row[0].strip(): row[1] for row in rows}


class _Rejected(Exception):
    """Stops reading a return; carries the errors that say why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass
class Sheet:
    """A worksheet's values as a grid (row 1 is rows[0]), with the title the OPCC sees."""

    title: str
    rows: list[tuple]
    #: Where cells beyond MAX_ROWS / MAX_COLUMNS were left unread ("" when none were).
    clipped: str = ""

    def value(self, row: int, column: int) -> object:
        if 1 <= row <= len(self.rows) and 1 <= column <= len(self.rows[row - 1]):
            return self.rows[row - 1][column - 1]
        return None


@dataclass
class _Table:
    """A sheet with a header row: column key -> column number; data starts below `header`."""

    sheet: Sheet
    header: int
    columns: dict[str, int]

    def value(self, row: int, key: str) -> object:
        column = self.columns.get(key)
        return self.sheet.value(row, column) if column else None

    def cell(self, row: int, key: str) -> str:
        column = self.columns.get(key)
        return f"{get_column_letter(column)}{row}" if column and row else ""

    def letters(self) -> dict[str, str]:
        return {key: get_column_letter(column) for key, column in self.columns.items()}


@dataclass
class _Found:
    """A criterion row found on a sheet, before duplicates are settled."""

    criterion_id: str
    table: _Table
    row: int
    id_value: str
    by_text: bool
    has_input: bool


@dataclass
class _Reader:
    """What one read of one file collects; `problems` grows as the workbook is walked."""

    file: str
    framework: framework_module.Framework
    epoch: dt.date
    problems: list[Problem] = field(default_factory=list)
    code: str = ""

    def warn(self, rule: Code, sheet: str = "", cell: str = "", /, **values: object) -> None:
        self.problems.append(
            rule.problem(file=self.file, sheet=sheet, cell=cell, opcc_code=self.code, **values)
        )


# --- the public entry points ---------------------------------------------------------------------


def read_return(
    path: Path,
    *,
    passwords: Mapping[str, str] | None = None,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    framework: framework_module.Framework | None = None,
    member_codes: Collection[str] | None = None,
) -> tuple[Return | None, list[Problem]]:
    """One returned workbook as a Return plus warnings, or (None, errors) when it cannot be used.

    `framework` is the edition returns are assessed against (default: the current one);
    `member_codes` lets a member code be recognised inside a free-form file name.
    """
    path = Path(path)
    framework = framework or framework_module.load()
    try:
        data, modified = _read_bytes(path, max_unzipped_bytes)
        digest = hashlib.sha256(data).hexdigest()
        data = _decrypt(data, path.name, passwords or {})
        has_macros = _check_package(data, path.name, max_unzipped_bytes)
        sheets, epoch, properties = _load_sheets(data, path.name)
        reader = _Reader(path.name, framework, epoch)
        if has_macros:
            reader.warn(Code.W121)
        for sheet in sheets:
            if sheet.clipped:
                reader.warn(
                    Code.W124, sheet.title, rows=MAX_ROWS, columns=MAX_COLUMNS, where=sheet.clipped
                )
        built = _build_return(reader, sheets, properties, path, digest, modified, member_codes)
        return built, reader.problems
    except _Rejected as rejected:
        return None, rejected.problems


def load_for_editing(
    path: Path, *, max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES
) -> openpyxl.Workbook | None:
    """The workbook with its formulas and formatting, to annotate a copy; None when it cannot be
    opened safely without a password (the same checks as `read_return`). The file is only read."""
    try:
        data, _ = _read_bytes(Path(path), max_unzipped_bytes)
        _check_package(data, Path(path).name, max_unzipped_bytes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
    except _Rejected:
        return None
    except Exception:  # a workbook openpyxl cannot rebuild gets a Feedback-only workbook
        return None


def codes_in_name(name: str, codes: Collection[str]) -> list[str]:
    """Member codes spelled out in a file name ("Kent OPCC return.xlsx" -> kent), longest first."""
    tokens = normalise.member_code(Path(name).stem).split("-")
    found = []
    for code in codes:
        parts = code.split("-")
        if any(tokens[i : i + len(parts)] == parts for i in range(len(tokens) - len(parts) + 1)):
            found.append(code)
    return sorted(found, key=lambda code: (-len(code.split("-")), code))


# --- the file: bytes, type, encryption, package safety ------------------------------------------


def unforeseen(path: Path, exc: Exception) -> Problem:
    """E002 for a file that tripped a bug nobody has seen yet: the file is rejected as damaged
    (with what went wrong) and the batch goes on."""
    return Code.E002.problem(file=Path(path).name, detail=f"unexpected {type(exc).__name__}: {exc}")


def _reject(file: str, rule: Code, /, **values: object) -> _Rejected:
    return _Rejected([rule.problem(file=file, **values)])


def _read_bytes(path: Path, limit: int) -> tuple[bytes, float]:
    """The file's bytes, read only when it is a regular file: never a folder, a named pipe, a
    device or a broken link (which could hang the batch or never end), and never more than
    `limit` bytes or READ_SECONDS seconds."""
    file = path.name
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        if os.path.lexists(path):
            raise _reject(file, Code.E015, kind="a link to a file that does not exist") from exc
        raise _reject(file, Code.E014, detail="the file does not exist.") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _reject(file, Code.E015, kind="a link that leads back to itself") from exc
        detail = f"the file cannot be opened ({exc.strerror})."
        raise _reject(file, Code.E014, detail=detail) from exc
    if stat.S_ISDIR(info.st_mode):
        raise _reject(file, Code.E014, detail="the path is a folder, not a file.")
    if not stat.S_ISREG(info.st_mode):
        raise _reject(file, Code.E015, kind=_special_kind(info.st_mode))
    if info.st_size > limit:
        raise _reject(file, Code.E004, size=_megabytes(info.st_size), limit=_megabytes(limit))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except OSError as exc:
        detail = f"the file cannot be opened ({exc.strerror})."
        raise _reject(file, Code.E014, detail=detail) from exc
    try:
        opened = os.fstat(handle)
        if not stat.S_ISREG(opened.st_mode):  # swapped for something else since the stat
            raise _reject(file, Code.E015, kind=_special_kind(opened.st_mode))
        deadline = time.monotonic() + READ_SECONDS
        chunks, size = [], 0
        while chunk := os.read(handle, _READ_CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                too_big = f"more than {_megabytes(limit)}"
                raise _reject(file, Code.E004, size=too_big, limit=_megabytes(limit))
            if time.monotonic() > deadline:
                raise _reject(file, Code.E016, seconds=READ_SECONDS)
    except OSError as exc:
        detail = f"the file cannot be read ({exc.strerror})."
        raise _reject(file, Code.E014, detail=detail) from exc
    finally:
        os.close(handle)
    data = b"".join(chunks)
    if not data:
        raise _reject(file, Code.E001, kind="empty (0 bytes)")
    return data, info.st_mtime


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f}"


def _decrypt(data: bytes, file: str, passwords: Mapping[str, str]) -> bytes:
    """A password-protected workbook decrypted in memory; other files pass through unchanged."""
    if not data.startswith(_OLE_MAGIC):
        return data
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            encrypted = ole.exists("EncryptionInfo")
            legacy = ole.exists("Workbook") or ole.exists("Book")
    except Exception as exc:  # olefile raises OSError, ValueError, struct.error... on damage
        raise _reject(file, Code.E002, detail=f"damaged Office file: {exc}"[:200]) from exc
    if not encrypted:
        kind = "a legacy Excel 97-2003 workbook (.xls)" if legacy else "an older Office document"
        raise _reject(file, Code.E001, kind=kind)
    by_code = {normalise.member_code(code): password for code, password in passwords.items()}
    if not by_code:
        raise _reject(file, Code.E005, who="any member")
    # The member named in the file name first; then every other password, since a free-form name
    # ("Our return (final).xlsx") names nobody. The decrypted content says whose return it is.
    named = codes_in_name(file, by_code)
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    for code in [*named, *sorted(set(by_code) - set(named))]:
        try:
            office.load_key(password=by_code[code])
            plain = io.BytesIO()
            office.decrypt(plain)
        except Exception:  # msoffcrypto raises several types for a wrong key or a bad file
            continue
        return plain.getvalue()
    raise _reject(file, Code.E006, code=named[0] if named else "any member listed")


def _sniff(data: bytes, file: str) -> str:
    """What a file that is not a zip holds, in words for E001."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "a PDF document"
    if head.startswith((b"<html", b"<!doctype html")) or b"<html" in head:
        return "a web page (HTML)"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "an XML file (perhaps 'XML Spreadsheet 2003')"
    if head.startswith(b"{\\rtf"):
        return "a Rich Text document"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "not a spreadsheet (its content is not recognised)"
    if file.lower().endswith(".csv") or b"," in head or b"\t" in head:
        return "a CSV or text file"
    return "a text file"


def _check_package(data: bytes, file: str, limit: int) -> bool:
    """Refuse anything but a safe .xlsx package; True when it holds macros."""
    if not data.startswith(_ZIP_MAGICS):
        raise _reject(file, Code.E001, kind=_sniff(data, file))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _reject(file, Code.E002, detail=f"the zip archive is incomplete: {exc}") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename.lower() for info in infos}
        if "mimetype" in names:
            mimetype = archive.read("mimetype")[:100]
            kind = (
                "an OpenDocument spreadsheet (.ods)"
                if b"spreadsheet" in mimetype
                else "an OpenDocument file"
            )
            raise _reject(file, Code.E001, kind=kind)
        if not any(name.startswith("xl/") for name in names):
            kind = "a Word document" if any(n.startswith("word/") for n in names) else "a zip file"
            raise _reject(file, Code.E001, kind=kind)
        total = sum(info.file_size for info in infos)
        if total > limit:
            raise _reject(file, Code.E004, size=_megabytes(total), limit=_megabytes(limit))
        for info in infos:
            if _XML_PART.search(info.filename) and _declares_entities(archive, info, file):
                raise _reject(file, Code.E003, part=info.filename)
    return "xl/vbaproject.bin" in names


def _declares_entities(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> bool:
    """True when the part holds a DOCTYPE or ENTITY declaration (read in chunks, never whole)."""
    tail = b""
    try:
        with archive.open(info) as part:
            while chunk := part.read(1 << 20):
                window = tail + chunk
                if any(marker in window for marker in _ENTITY_MARKERS):
                    return True
                tail = window[-16:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _reject(
            file, Code.E002, detail=f"the part '{info.filename}' is damaged: {exc}"
        ) from exc
    return False


def _load_sheets(data: bytes, file: str) -> tuple[list[Sheet], dt.date, dict[str, str]]:
    """Every worksheet's values (formulas give their last calculated value; macros never load),
    the date system, and the custom document properties (a copy of the metadata).

    Read with python-calamine (about 14x faster) when the package is plain enough for it to give
    what openpyxl gives; anything else (a cell beyond MAX_ROWS / MAX_COLUMNS, a cell without a
    reference, an unusual part, any error) is read by openpyxl, which words every problem."""
    fast = _load_sheets_fast(data)
    if fast is not None:
        return fast
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it does not read (slicers, Google's data validation).
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False
            )
            try:
                deadline = time.monotonic() + READ_SECONDS
                sheets = [_grid(worksheet, file, deadline) for worksheet in book.worksheets]
                epoch = book.epoch.date() if isinstance(book.epoch, dt.datetime) else book.epoch
                properties = {
                    _fold(prop.name): _clean(prop.value) for prop in book.custom_doc_props
                }
            finally:
                book.close()
    except _Rejected:
        raise
    except defusedxml.DefusedXmlException as exc:
        raise _reject(file, Code.E003, part=type(exc).__name__) from exc
    except Exception as exc:  # a broken workbook can fail anywhere inside openpyxl
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise _reject(file, Code.E002, detail=detail) from exc
    if not sheets:
        raise _Rejected([rules.not_template(file, "no_worksheets")])
    return sheets, epoch, properties


_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*)>")
#: A cell and the place (column letters, row number) its r attribute names.
_CELL_PLACE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"[^>]*>')
_EPOCH_1904 = re.compile(rb'date1904="(?:1|true)"')
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}property"
_TEXT_TYPES = {
    "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}lpwstr",
    "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}lpstr",
}


def _load_sheets_fast(data: bytes) -> tuple[list[Sheet], dt.date, dict[str, str]] | None:
    """What `_load_sheets` returns, read with python-calamine; None when openpyxl must read it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if not all(
                _cells_within_limits(package.read(name))
                for name in names
                if name.startswith("xl/worksheets/") and name.endswith(".xml")
            ):
                return None
            types = package.read("[Content_Types].xml")
            epoch = (
                dt.date(1904, 1, 1)
                if _EPOCH_1904.search(package.read("xl/workbook.xml"))
                else dt.date(1899, 12, 30)
            )
            properties: dict[str, str] = {}
            if _CUSTOM_TYPE.encode() in types:
                if b'PartName="/docProps/custom.xml"' not in types:
                    return None
                for prop in ElementTree.fromstring(package.read("docProps/custom.xml")):
                    value = list(prop)
                    if prop.tag != _CUSTOM_NS or len(value) != 1 or value[0].tag not in _TEXT_TYPES:
                        return None
                    properties[_fold(prop.get("name"))] = _clean(value[0].text)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            if sheet.total_height > MAX_ROWS or sheet.total_width > MAX_COLUMNS:
                return None
            grid = [_row(values) for values in sheet.to_python(skip_empty_area=False)]
            while grid and not grid[-1]:
                grid.pop()
            sheets.append(Sheet(meta.name, grid))
        book.close()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # openpyxl reads it again, and says what is wrong; calamine can panic
        return None  # (pyo3's PanicException, not an Exception) on values such as a huge time
    if not sheets:
        return None
    return sheets, epoch, properties


def _cells_within_limits(xml: bytes) -> bool:
    """Every cell of a sheet's XML names its place, within MAX_ROWS and MAX_COLUMNS."""
    places = _CELL_PLACE.findall(xml)
    if len(places) != len(_CELL.findall(xml)):
        return False  # a cell that does not say where it is
    if not places:
        return True
    letters, numbers = zip(*places, strict=True)
    for name in set(letters):
        column = 0
        for letter in name:
            column = column * 26 + letter - 64
        if column > MAX_COLUMNS:
            return False
    return max(map(int, set(numbers))) <= MAX_ROWS


def _row(values: list) -> tuple:
    """A row as openpyxl gives it: no empty cells at the end, whole numbers as int, dates as
    datetimes, None for an empty cell."""
    row = [_value(value) for value in values]
    while row and row[-1] is None:
        row.pop()
    return tuple(row)


def _value(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _grid(worksheet, file: str, deadline: float) -> Sheet:
    """The sheet's values from the cells it holds, never from its declared dimensions (which a
    cell typed in the last row or column stretches to billions of cells): at most MAX_ROWS rows
    and MAX_COLUMNS columns, and what lies beyond them noted in `clipped`."""
    book = worksheet.parent
    rows: dict[int, tuple] = {}
    beyond_row = beyond_column = 0
    with worksheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for count, (number, cells) in enumerate(parser.parse()):
            if count % 1000 == 0 and time.monotonic() > deadline:
                raise _reject(file, Code.E016, seconds=READ_SECONDS)
            values = {c["column"]: c["value"] for c in cells if c["value"] is not None}
            if not values:
                continue
            if number > MAX_ROWS:
                beyond_row = beyond_row or number
                continue
            wide = [column for column in values if column > MAX_COLUMNS]
            if wide:
                beyond_column = beyond_column or min(wide)
                values = {k: v for k, v in values.items() if k <= MAX_COLUMNS}
                if not values:
                    continue
            width = max(values)
            rows[number] = tuple(values.get(column) for column in range(1, width + 1))
    last = max(rows, default=0)
    grid = [rows.get(number, ()) for number in range(1, last + 1)]
    clipped = []
    if beyond_row:
        clipped.append(f"row {beyond_row:,}")
    if beyond_column:
        clipped.append(f"column {get_column_letter(beyond_column)}")
    return Sheet(worksheet.title, grid, " and ".join(clipped))


# --- finding things in the workbook --------------------------------------------------------------


def _match_labels(row: tuple, labels: dict[str, str]) -> dict[str, int]:
    """Column number of each label found in a header row: exact first, then "Status *" style."""
    cells = {col: _fold(v) for col, v in enumerate(row, start=1) if v is not None}
    wanted = {key: _fold(label) for key, label in labels.items()}
    found: dict[str, int] = {}
    for exact in (True, False):
        for key, label in wanted.items():
            if key in found:
                continue
            for col, text in cells.items():
                hit = text == label if exact else text.startswith(label + " ")
                if hit and col not in found.values():
                    found[key] = col
                    break
    return found


def _find_table(sheet: Sheet, labels: dict[str, str], required: tuple[str, ...]) -> _Table | None:
    for number, row in enumerate(sheet.rows[:_HEADER_SCAN_ROWS], start=1):
        columns = _match_labels(row, labels)
        if all(key in columns for key in required):
            return _Table(sheet, number, columns)
    return None


def _infer_criteria_table(sheet: Sheet, text_index: dict[str, str]) -> _Table | None:
    """A criterion sheet whose header row was lost: find the Criterion column by its text and
    assume the generated column order around it."""
    counts: Counter[int] = Counter()
    for row in sheet.rows:
        for col, value in enumerate(row, start=1):
            if isinstance(value, str) and _fold(value) in text_index:
                counts[col] += 1
    if not counts or counts.most_common(1)[0][1] < 3:
        return None
    text_column = counts.most_common(1)[0][0]
    order = list(layout.CRITERION_COLUMNS)
    start = text_column - order.index("criterion_text")
    columns = {key: start + i for i, key in enumerate(order) if start + i >= 1}
    return _Table(sheet, 0, columns)


def _find_metadata(
    sheets: list[Sheet], properties: dict[str, str]
) -> tuple[Sheet | None, dict[str, str]]:
    """The hidden metadata sheet (key in column A, value in B), found by its keys; failing that,
    the same keys kept in the document properties."""
    ranked = sorted(sheets, key=lambda s: s.title != layout.META_SHEET)
    for sheet in ranked:
        values = {
            _fold(row[0]): _clean(row[1] if len(row) > 1 else None)
            for row in sheet.rows
            if row and row[0] is not None
        }
        if "template_id" in values:
            return sheet, {key: values.get(key, "") for key in layout.META_KEYS}
    if "template_id" in properties:
        return None, {key: properties.get(key, "") for key in layout.META_KEYS}
    return None, {}


def _profile_labels(sheet: Sheet) -> dict[str, tuple[int, int]]:
    """Where each Profile label sits: key -> (row, column)."""
    labels = {_fold(label): key for key, label in layout.PROFILE_LABELS.items()}
    found: dict[str, tuple[int, int]] = {}
    for number, row in enumerate(sheet.rows, start=1):
        for col, value in enumerate(row[:4], start=1):
            key = labels.get(_fold(value).rstrip(":* "))
            if key and key not in found:
                found[key] = (number, col)
    return found


# --- building the Return -------------------------------------------------------------------------


def _build_return(
    reader: _Reader,
    sheets: list[Sheet],
    properties: dict[str, str],
    path: Path,
    digest: str,
    modified: float,
    member_codes: Collection[str] | None,
) -> Return:
    fw = reader.framework
    text_index = {
        _fold(text): cid for cid, text in zip(fw.frame.criterion_id, fw.frame.text, strict=True)
    }
    meta_sheet, meta = _find_metadata(sheets, properties)
    used = {meta_sheet.title} if meta_sheet else set()
    criteria_tables = []
    for sheet in sheets:
        if sheet.title in used:
            continue
        table = _find_table(sheet, layout.CRITERION_COLUMNS, ("criterion_text", "status"))
        if table is not None:
            criteria_tables.append(table)
            used.add(sheet.title)
    if not criteria_tables:
        for sheet in sheets:
            if sheet.title not in used and (table := _infer_criteria_table(sheet, text_index)):
                criteria_tables.append(table)
                used.add(sheet.title)
    profile_sheet = _pick_profile(sheets, used)
    if profile_sheet:
        used.add(profile_sheet.title)
    objectives_table = _pick_objectives(sheets, used)

    if not meta and not criteria_tables:
        raise _Rejected([rules.not_template(reader.file, "no_criteria")])
    profile, profile_cells = _read_profile(reader, profile_sheet)
    identity = _identify(reader, meta, profile, profile_cells, path.name, member_codes)
    if not criteria_tables:
        raise _Rejected([rules.not_template(reader.file, "criteria_deleted")])
    reader.problems = [_with_code(problem, reader.code) for problem in reader.problems]

    responses, commentary = _read_criteria(reader, criteria_tables, text_index)
    objectives = _read_objectives(reader, objectives_table)
    if profile_sheet is None:
        reader.warn(Code.W120, what="Profile")
    if objectives_table is None:
        reader.warn(Code.W120, what="Objectives")
    columns = {t.sheet.title: t.letters() for t in criteria_tables}
    if objectives_table is not None:
        columns[objectives_table.sheet.title] = objectives_table.letters()
    return Return(
        path=path,
        sha256=digest,
        opcc_code=identity.code,
        reporting_year=identity.year,
        framework_edition=identity.edition,
        template_version=meta.get("template_version", ""),
        profile=profile,
        responses=responses,
        objectives=objectives,
        commentary=commentary,
        profile_cells=profile_cells,
        modified=modified,
        column_letters=columns,
    )


def _with_code(problem: Problem, code: str) -> Problem:
    if problem.opcc_code == code:
        return problem
    return dataclasses.replace(problem, opcc_code=code)


def _pick_profile(sheets: list[Sheet], used: set[str]) -> Sheet | None:
    scored = [
        (len(_profile_labels(sheet)), sheet.title == layout.PROFILE_SHEET, -index, sheet)
        for index, sheet in enumerate(sheets)
        if sheet.title not in used
    ]
    scored = [entry for entry in scored if entry[0] >= 3]
    return max(scored, key=lambda entry: entry[:3])[3] if scored else None


def _pick_objectives(sheets: list[Sheet], used: set[str]) -> _Table | None:
    for sheet in sorted(sheets, key=lambda s: s.title != layout.OBJECTIVES_SHEET):
        if sheet.title in used:
            continue
        table = _find_table(sheet, layout.OBJECTIVE_COLUMNS, ("objective", "measure"))
        if table is not None:
            return table
    return None


def _email(raw: object, reader: object) -> tuple[str, bool]:
    text = _clean(raw)
    return text, not text or normalise.is_email(raw)


#: Profile fields with a kind: key -> (parse(raw, reader) -> (value, ok), expected, example).
_TYPED_PROFILE_FIELDS = {
    "employees": (
        lambda raw, reader: normalise.parse_count(raw),
        "a whole number of people",
        "24",
    ),
    "signoff_date": (
        lambda raw, reader: normalise.parse_date(raw, epoch=reader.epoch),
        "a date",
        "31/05/2026",
    ),
    "contact_email": (_email, "an email address", "equality@opcc.example.gov.uk"),
}


def _read_profile(
    reader: _Reader, sheet: Sheet | None
) -> tuple[dict[str, object], dict[str, tuple[str, str]]]:
    """Profile values cleaned (employees as int, sign-off date as date) and where each was found."""
    profile: dict[str, object] = {key: "" for key in layout.PROFILE_LABELS}
    profile["employees"] = None
    profile["signoff_date"] = None
    cells: dict[str, tuple[str, str]] = {}
    if sheet is None:
        return profile, cells
    for key, (row, col) in _profile_labels(sheet).items():
        value_col = col + 1
        raw = sheet.value(row, value_col)
        cell = f"{get_column_letter(value_col)}{row}"
        cells[key] = (sheet.title, cell)
        label = layout.PROFILE_LABELS[key]
        _check_length(reader, raw, sheet.title, cell)
        if key in _TYPED_PROFILE_FIELDS:
            parse, expected, example = _TYPED_PROFILE_FIELDS[key]
            value, ok = parse(raw, reader)
            profile[key] = value
            if not ok:
                reader.warn(
                    Code.W109,
                    sheet.title,
                    cell,
                    label=label,
                    value=_clean(raw),
                    expected=expected,
                    example=example,
                )
        elif key == "opcc_code":
            profile[key] = normalise.member_code(raw)
        elif key == "reporting_year":
            profile[key] = parse_year(_clean(raw)) or _clean(raw)
        else:
            profile[key] = _clean(raw)
    return profile, cells


def _identify(
    reader: _Reader,
    meta: dict[str, str],
    profile: dict[str, object],
    profile_cells: dict[str, tuple[str, str]],
    name: str,
    member_codes: Collection[str] | None,
) -> rules.Identity:
    """What the workbook says it is (metadata, Profile, file name), settled by `rules.identify`."""
    if member_codes is not None:
        in_name = codes_in_name(name, member_codes)
        name_code = in_name[0] if len(in_name) == 1 or _longest_unique(in_name) else ""
    else:
        match = _WORKBOOK_NAME.match(Path(name).stem)
        name_code = normalise.member_code(match["code"]) if match else ""
    meta = {**meta, "opcc_code": normalise.member_code(meta.get("opcc_code"))} if meta else meta
    identity, errors, warnings = rules.identify(
        reader.file,
        meta,
        profile_code=str(profile.get("opcc_code") or ""),
        profile_year=parse_year(profile.get("reporting_year") or ""),
        profile_cells=profile_cells,
        name_code=name_code,
        name_year=year_in_name(name),
        edition=reader.framework.edition,
    )
    reader.code = identity.code
    if errors:
        raise _Rejected(errors)
    reader.problems.extend(warnings)
    return identity


def _longest_unique(codes: list[str]) -> bool:
    """Several codes in a name count only when one contains the others ("west-midlands" vs a
    hypothetical "midlands"), never when they are two different members."""
    return bool(codes) and all(set(c.split("-")) <= set(codes[0].split("-")) for c in codes[1:])


def _check_length(reader: _Reader, raw: object, sheet: str, cell: str) -> None:
    if isinstance(raw, str) and len(raw) >= normalise.EXCEL_CELL_LIMIT:
        reader.warn(Code.W122, sheet, cell, length=len(raw))


def _read_criteria(
    reader: _Reader, tables: list[_Table], text_index: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One response per framework criterion (framework order) and the theme commentaries."""
    fw = reader.framework
    texts = dict(zip(fw.frame.criterion_id, fw.frame.text, strict=True))
    rows: list[_Found] = []
    unmatched: list[tuple[_Found, str]] = []
    commentary: list[dict] = []
    for table in tables:
        for number in range(table.header + 1, len(table.sheet.rows) + 1):
            theme = _commentary_theme(table, number)
            if theme is not None:
                commentary.append(_commentary(reader, table, number, theme))
                continue
            id_value = _clean(table.value(number, "criterion_id"))
            text = _fold(table.value(number, "criterion_text"))
            has_input = any(_clean(table.value(number, key)) for key in layout.CRITERION_INPUTS)
            cid, by_text = _match_row(id_value, text, texts, text_index)
            row = _Found(cid, table, number, id_value, by_text, has_input)
            if cid:
                rows.append(row)
            else:
                unmatched.append((row, text))
    # Edited text on a row that also lost its id: the closest wording among criteria not yet found
    # (never among all of them, so a descriptor row cannot steal a criterion that is present).
    found = {r.criterion_id for r in rows}
    missing = {_fold(texts[c]): c for c in texts if c not in found} if unmatched else {}
    for row, text in unmatched:
        close = []
        if missing and len(text) >= 20:
            close = difflib.get_close_matches(text, list(missing), n=1, cutoff=_FUZZY_CUTOFF)
        if close:
            row.criterion_id, row.by_text = missing.pop(close[0]), True
            rows.append(row)
        elif row.has_input:
            reader.warn(Code.W119, row.table.sheet.title, _row_cell(row), value=row.id_value)
    rows.sort(key=lambda r: (tables.index(r.table), r.row))
    for table in tables:
        by_text = [r for r in rows if r.table is table and r.by_text]
        if by_text:
            reader.warn(
                Code.W118,
                table.sheet.title,
                _row_cell(by_text[0]),
                count=len(by_text),
                ids=listing([r.criterion_id for r in by_text]),
            )
    kept = _settle_duplicates(reader, rows)
    records = [
        _response(reader, kept[cid]) if cid in kept else None for cid in fw.frame.criterion_id
    ]
    _warn_missing(reader, kept)
    frame = fw.frame[["criterion_id", "theme", "level"]].copy()
    blank = {"status": "", "status_raw": "", "evidence": "", "evidence_link": "", "owner": ""}
    blank |= {"target_date": None, "target_date_raw": "", "na_reason": "", "criterion_text": ""}
    blank |= {"sheet": "", "row": 0}
    for column in blank:
        frame[column] = [record[column] if record else blank[column] for record in records]
    frame["opcc_code"] = reader.code
    frame["target_date"] = pd.to_datetime(frame["target_date"])
    frame["row"] = frame["row"].astype("int64")
    comments = pd.DataFrame(commentary, columns=COMMENTARY_COLUMNS)
    comments = comments.drop_duplicates("theme").sort_values("theme", ignore_index=True)
    return frame[RESPONSE_COLUMNS].reset_index(drop=True), comments


def _match_row(
    id_value: str, folded: str, texts: dict[str, str], text_index: dict[str, str]
) -> tuple[str, bool]:
    """(criterion id, matched by text?): the id, unless the text is plainly another criterion's;
    the exact text when the id is lost or unknown; "" when neither is a criterion."""
    cid = _criterion_id(id_value)
    by_text = text_index.get(folded, "")
    if cid in texts:
        if by_text and by_text != cid:
            return by_text, True
        return cid, False
    return by_text, bool(by_text)


def _row_cell(row: _Found) -> str:
    return row.table.cell(row.row, "criterion_id") or row.table.cell(row.row, "criterion_text")


def _commentary_theme(table: _Table, row: int) -> int | None:
    for value in (table.value(row, "criterion_id"), table.sheet.value(row, 1)):
        match = layout.COMMENTARY_PATTERN.match(_clean(value))
        if match:
            return int(match[1])
    return None


def _commentary(reader: _Reader, table: _Table, row: int, theme: int) -> dict:
    cell = table.cell(row, "criterion_text")
    raw = table.value(row, "criterion_text")
    _check_length(reader, raw, table.sheet.title, cell)
    return {
        "opcc_code": reader.code,
        "theme": theme,
        "text": _clean_own(raw),
        "sheet": table.sheet.title,
        "cell": cell,
    }


def _settle_duplicates(reader: _Reader, found: list[_Found]) -> dict[str, _Found]:
    """One row per criterion: the first filled one (else the first); the others are reported."""
    groups: dict[str, list[_Found]] = {}
    for row in found:
        groups.setdefault(row.criterion_id, []).append(row)
    kept: dict[str, _Found] = {}
    for cid, rows in groups.items():
        keep = next((row for row in rows if row.has_input), rows[0])
        kept[cid] = keep
        for row in rows:
            if row is keep:
                continue
            reader.warn(
                Code.W117,
                row.table.sheet.title,
                row.table.cell(row.row, "criterion_id")
                or row.table.cell(row.row, "criterion_text"),
                criterion=cid,
                kept=f"sheet '{keep.table.sheet.title}', row {keep.row}",
            )
    return kept


def _warn_missing(reader: _Reader, kept: dict[str, _Found]) -> None:
    frame = reader.framework.frame
    missing = frame[~frame["criterion_id"].isin(list(kept))]
    for theme, rows in missing.groupby("theme", sort=True):
        present = [
            kept[c].table.sheet.title
            for c in frame.loc[frame.theme == theme, "criterion_id"]
            if c in kept
        ]
        reader.warn(
            Code.W116,
            present[0] if present else "",
            count=len(rows),
            theme=theme,
            theme_title=rows["theme_title"].iloc[0],
            ids=listing(rows["criterion_id"].tolist()),
        )


def _response(reader: _Reader, found: _Found) -> dict:
    table, row = found.table, found.row
    raw = {key: table.value(row, key) for key in layout.CRITERION_INPUTS}
    for key in ("evidence", "evidence_link", "owner", "na_reason"):
        _check_length(reader, raw[key], table.sheet.title, table.cell(row, key))
    status, _ = _status(raw["status"])
    date, _ = normalise.parse_date(raw["target_date"], epoch=reader.epoch)
    return {
        "status": status,
        "status_raw": _clean(raw["status"]),
        "evidence": _clean_own(raw["evidence"]),
        "evidence_link": _clean_own(raw["evidence_link"]),
        "owner": _clean(raw["owner"]),
        "target_date": pd.Timestamp(date) if date else None,
        "target_date_raw": _clean(raw["target_date"]),
        "na_reason": _clean(raw["na_reason"]),
        "criterion_text": _clean(table.value(row, "criterion_text")),
        "sheet": table.sheet.title,
        "row": row,
    }


def _read_objectives(reader: _Reader, table: _Table | None) -> pd.DataFrame:
    """The filled objective rows; a row holding only its pre-filled number is not an objective."""
    records = []
    if table is not None:
        for row in range(table.header + 1, len(table.sheet.rows) + 1):
            values = {key: table.value(row, key) for key in layout.OBJECTIVE_COLUMNS}
            cleaned = {key: _clean(value) for key, value in values.items()}
            if not any(text for key, text in cleaned.items() if key != "number"):
                continue
            for key, value in values.items():
                _check_length(reader, value, table.sheet.title, table.cell(row, key))
            records.append(
                {"opcc_code": reader.code, **cleaned, "sheet": table.sheet.title, "row": row}
            )
    frame = pd.DataFrame(records, columns=OBJECTIVE_COLUMNS)
    frame["row"] = frame["row"].astype("int64")
    return frame
