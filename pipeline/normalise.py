"""Turning what people type into Excel into clean values: text, statuses, dates, numbers, codes.

Pure functions on single values, so that every tolerance is tested once and `ingest` stays about
finding things in a workbook. Nothing here raises on odd input: a value that cannot be read comes
back as None (or "") and the caller decides what to tell the person.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from pipeline.vocabulary import CRITERION_ID, STATUS_VARIANTS

# C0 and C1 control characters except tab and newline, which people use inside evidence text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Excel writes a control character it cannot store in XML as _xHHHH_; openpyxl leaves it as typed.
_ESCAPED_CONTROL = re.compile(r"_x00(?:[01][0-9A-Fa-f]|7[Ff]|[89][0-9A-Fa-f])_")
_SPACES = re.compile(r"[^\S\n]+")
_RUNS = re.compile(r"\s+")

#: Excel's limit on the characters in one cell: a cell this full was probably cut off.
EXCEL_CELL_LIMIT = 32_767


def clean_text(value: object) -> str:
    """Text as a person meant it: trimmed, control characters and their escapes removed.

    Numbers that are whole come back without a trailing ".0" (Google Sheets and LibreOffice turn
    "12" into 12.0); dates come back as ISO dates.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    # A vertical tab is how Word and Mac Excel paste a line break: keep the words apart.
    text = _CONTROL.sub(" ", _ESCAPED_CONTROL.sub(" ", text))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return text.strip()


def fold(value: object) -> str:
    """A matching key: case, spacing, quotes, dashes and Unicode forms ignored."""
    text = unicodedata.normalize("NFKC", clean_text(value)).casefold()
    text = text.translate(_FOLD_TABLE)
    return _RUNS.sub(" ", text).strip()


_FOLD_TABLE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)

_STATUS_LOOKUP: dict[str, str] = {
    variant: status for status, variants in STATUS_VARIANTS.items() for variant in variants
}


def canonical_status(value: object) -> tuple[str, bool]:
    """(status, valid): the canonical status for an accepted spelling; ("", True) when blank,
    ("", False) when the cell holds something that is not a status."""
    key = fold(value)
    if not key:
        return "", True
    status = _STATUS_LOOKUP.get(key)
    return (status, True) if status else ("", False)


# Excel's 1900 date system counts from 30 Dec 1899 (it keeps Lotus's phantom 29 Feb 1900).
EXCEL_EPOCH = dt.date(1899, 12, 30)
MAC_EPOCH = dt.date(1904, 1, 1)
# Serial numbers outside these years are far more likely to be a typo than a date.
_SERIAL_YEARS = (1990, 2100)

_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_WORDY_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")
_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        dt.date(2000, number, 1).strftime("%B").lower(),
        dt.date(2000, number, 1).strftime("%b").lower(),
    )
}
_MONTHS["sept"] = 9


def parse_date(value: object, *, epoch: dt.date = EXCEL_EPOCH) -> tuple[dt.date | None, bool]:
    """(date, readable): real dates, Excel serial numbers and UK text dates (dd/mm/yyyy).

    Blank gives (None, True); anything else that is not a date gives (None, False). Text is read
    day first, as people in England and Wales write it; 2-digit years are 20xx.
    """
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return None, True
    if isinstance(value, dt.datetime):
        return value.date(), True
    if isinstance(value, dt.date):
        return value, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int | float):
        return _from_serial(float(value), epoch)
    text = clean_text(value).lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_serial(float(text), epoch)
    if match := _NUMERIC_DATE.match(text):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        return _make_date(year + 2000 if year < 100 else year, month, day)
    if match := _ISO_DATE.match(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if (match := _WORDY_DATE.match(text)) and match[2] in _MONTHS:
        return _make_date(int(match[3]), _MONTHS[match[2]], int(match[1]))
    return None, False


def _from_serial(serial: float, epoch: dt.date) -> tuple[dt.date | None, bool]:
    try:
        date = epoch + dt.timedelta(days=int(serial))
    except OverflowError:
        return None, False
    if not _SERIAL_YEARS[0] <= date.year <= _SERIAL_YEARS[1]:
        return None, False
    return date, True


def _make_date(year: int, month: int, day: int) -> tuple[dt.date | None, bool]:
    try:
        return dt.date(year, month, day), True
    except ValueError:
        return None, False


def parse_count(value: object) -> tuple[int | None, bool]:
    """(count, readable): a whole number of people, from 12, 12.0, "12" or "1,200"."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = clean_text(value).replace(",", "")
        if not re.fullmatch(r"\d+(\.0+)?", text):
            return None, False
        number = float(text)
    if number < 0 or not number.is_integer():
        return None, False
    return int(number), True


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: object) -> bool:
    return bool(_EMAIL.match(clean_text(value)))


def member_code(value: object) -> str:
    """A member code as typed ("West Midlands", " KENT ") in the list's form ("west-midlands")."""
    text = fold(value)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def criterion_id(value: object) -> str:
    """A criterion id in the framework's form ("3.2.b") from " 3.2.B "; "" if it is not one."""
    text = re.sub(r"\s+", "", fold(value))
    return text if CRITERION_ID.match(text) else ""
