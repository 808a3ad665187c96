"""The shared words: one palette that reads everywhere, and one set of financial-year rules."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import contrast as _contrast

from pipeline import vocabulary


def test_one_level_palette_covers_the_ladder_and_reads_at_wcag_aa():
    assert list(vocabulary.LEVEL_COLOURS) == list(vocabulary.LEVEL_LADDER)
    fills = [fill for fill, _ in vocabulary.LEVEL_COLOURS.values()]
    assert len(set(fills)) == len(fills)
    assert dict(zip(vocabulary.LEVEL_LADDER, fills, strict=True)) == vocabulary.LEVEL_FILLS
    for level, (fill, text) in vocabulary.LEVEL_COLOURS.items():
        assert _contrast(fill, text) >= 4.5, level
        assert _contrast(fill, "1A1A1A") >= 4.5, level  # the dark ink of report and benchmark
    for fill, text in vocabulary.STATUS_COLOURS.values():
        assert _contrast(fill, text) >= 4.5


def test_not_yet_developing_is_clearly_coloured_not_near_white():
    fill, _ = vocabulary.LEVEL_COLOURS[vocabulary.NOT_YET]
    assert _contrast(fill, "FFFFFF") >= 1.5
    red, green, blue = (int(fill[i : i + 2], 16) for i in (0, 2, 4))
    assert red - min(green, blue) >= 40  # a hue, not a grey


@pytest.mark.parametrize(
    ("typed", "year"),
    [
        ("2025-26", "2025-26"),
        ("2025/26", "2025-26"),
        ("2025-2026", "2025-26"),
        (" 2025 \u2013 26 ", "2025-26"),
        ("2025-27", ""),
        ("2025", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_one_parse_of_a_typed_year(typed, year):
    assert vocabulary.parse_year(typed) == year


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2025, 3, 31), "2024-25"),
        (dt.date(2025, 4, 1), "2025-26"),
        (dt.date(2099, 12, 1), "2099-00"),
    ],
)
def test_the_year_of_a_date_and_its_bounds(day, year):
    assert vocabulary.year_for_date(day) == year
    assert vocabulary.is_valid_year(year)
    assert vocabulary.year_start(year) <= day <= vocabulary.year_end(year)
    assert vocabulary.year_end(year) - vocabulary.year_start(year) in (
        dt.timedelta(days=364),
        dt.timedelta(days=365),
    )


def test_a_year_in_a_file_name():
    assert vocabulary.year_in_name("kent return 2025_26 final.xlsx") == "2025-26"
    assert vocabulary.year_in_name("kent-2025-27.xlsx") == ""
    assert vocabulary.year_in_name("kent.xlsx") == ""


def test_level_keys_name_the_score_columns():
    assert [vocabulary.level_key(level) for level in vocabulary.LEVEL_LADDER] == [
        "not_yet_developing",
        "developing",
        "achieving",
        "advancing",
    ]
