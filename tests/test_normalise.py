"""Turning what people type into clean values: statuses, dates, numbers, codes and text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import normalise, vocabulary


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("Met", vocabulary.MET),
        ("met", vocabulary.MET),
        ("  MET ", vocabulary.MET),
        ("Partially  met", vocabulary.PARTIALLY_MET),
        ("partly met", vocabulary.PARTIALLY_MET),
        ("Not met", vocabulary.NOT_MET),
        ("NOT MET", vocabulary.NOT_MET),
        ("N/A", vocabulary.NOT_APPLICABLE),
        ("n/a", vocabulary.NOT_APPLICABLE),
        ("NA", vocabulary.NOT_APPLICABLE),
        ("Not Applicable", vocabulary.NOT_APPLICABLE),
        ("Met\u00a0", vocabulary.MET),  # a non-breaking space pasted from a web page
    ],
)
def test_accepted_status_variants(typed, status):
    assert normalise.canonical_status(typed) == (status, True)


@pytest.mark.parametrize("typed", ["Done", "Completed", "Yes", "Metx", "1", "In progress", "N"])
def test_anything_else_is_not_a_status(typed):
    assert normalise.canonical_status(typed) == ("", False)


@pytest.mark.parametrize("blank", [None, "", "   ", "\n"])
def test_blank_status_is_not_assessed_not_invalid(blank):
    assert normalise.canonical_status(blank) == ("", True)


def test_every_layout_variant_is_accepted():
    for status, variants in vocabulary.STATUS_VARIANTS.items():
        for variant in variants:
            assert normalise.canonical_status(variant.upper()) == (status, True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("31/03/2026", dt.date(2026, 3, 31)),
        ("1/4/2025", dt.date(2025, 4, 1)),
        ("31/03/26", dt.date(2026, 3, 31)),
        ("31.03.2026", dt.date(2026, 3, 31)),
        ("31-03-2026", dt.date(2026, 3, 31)),
        ("2026-03-31", dt.date(2026, 3, 31)),
        ("2026-03-31 00:00:00", dt.date(2026, 3, 31)),
        ("31 March 2026", dt.date(2026, 3, 31)),
        ("1st Sept 2025", dt.date(2025, 9, 1)),
        (dt.datetime(2026, 3, 31, 14, 5), dt.date(2026, 3, 31)),
        (dt.date(2026, 3, 31), dt.date(2026, 3, 31)),
        (46112, dt.date(2026, 3, 31)),  # an Excel serial number
        (46112.75, dt.date(2026, 3, 31)),  # with a time of day
        ("46112", dt.date(2026, 3, 31)),
    ],
)
def test_dates_people_type(value, expected):
    assert normalise.parse_date(value) == (expected, True)


def test_text_dates_are_day_first():
    # 03/04/2026 is the 3rd of April in England and Wales, never the 4th of March.
    assert normalise.parse_date("03/04/2026") == (dt.date(2026, 4, 3), True)


@pytest.mark.parametrize(
    "value", ["03/31/2026", "31/02/2026", "next year", "Q4 2025-26", "March 2026", 2026, True, 12.5]
)
def test_unreadable_dates(value):
    assert normalise.parse_date(value) == (None, False)


def test_blank_date_is_not_an_error():
    assert normalise.parse_date(None) == (None, True)
    assert normalise.parse_date("  ") == (None, True)


def test_mac_1904_serials():
    assert normalise.parse_date(44650, epoch=normalise.MAC_EPOCH) == (dt.date(2026, 3, 31), True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(24, (24, True)), (24.0, (24, True)), ("24", (24, True)), ("1,200", (1200, True))],
)
def test_counts(value, expected):
    assert normalise.parse_count(value) == expected


@pytest.mark.parametrize("value", ["about 20", -3, 2.5, "12 FTE", True])
def test_not_counts(value):
    assert normalise.parse_count(value) == (None, False)


def test_clean_text_removes_control_characters_and_their_escapes():
    assert normalise.clean_text("  Board\x0bminutes\x00 ") == "Board minutes"
    assert normalise.clean_text("Board_x000B_minutes") == "Board minutes"
    assert normalise.clean_text("line one\r\nline two\t ") == "line one\nline two"


def test_clean_text_keeps_welsh_emoji_and_right_to_left_text():
    text = "Cyfarfod y Bwrdd – ŵ ŷ 👍 العربية"
    assert normalise.clean_text(text) == text


def test_clean_text_of_numbers_and_dates():
    assert normalise.clean_text(12.0) == "12"
    assert normalise.clean_text(12.5) == "12.5"
    assert normalise.clean_text(dt.datetime(2026, 3, 31)) == "2026-03-31"
    assert normalise.clean_text(None) == ""


@given(st.text())
def test_clean_text_never_fails_and_is_stable(text):
    cleaned = normalise.clean_text(text)
    assert cleaned == normalise.clean_text(cleaned)
    assert not any(0 < ord(c) < 32 and c != "\n" for c in cleaned)


def test_fold_ignores_case_spacing_and_curly_quotes():
    assert (
        normalise.fold("The  Youth Justice Board\u2019s tool ") == "the youth justice board's tool"
    )


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("kent", "kent"),
        (" West Midlands ", "west-midlands"),
        ("AVON-AND-SOMERSET", "avon-and-somerset"),
    ],
)
def test_member_codes(typed, code):
    assert normalise.member_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "year"),
    [("2025-26", "2025-26"), ("2025/26", "2025-26"), ("2025-2026", "2025-26"), ("2025-27", "")],
)
def test_reporting_years(typed, year):
    assert vocabulary.parse_year(typed) == year


@pytest.mark.parametrize(
    ("typed", "cid"), [("3.2.b", "3.2.b"), (" 3.2.B ", "3.2.b"), ("3.2b", ""), ("3.1", "")]
)
def test_criterion_ids(typed, cid):
    assert normalise.criterion_id(typed) == cid
