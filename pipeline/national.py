"""National statistics across the members of a run, as pure functions on the score frames.

One home for every national figure, so that an OPCC's report and the national benchmark workbook
always say the same thing. The median is ONE definition everywhere: the lower middle value of the
sorted values (for an even count, the lower of the two middle ones). Levels are never averaged:
"between Developing and Achieving" is not a level of the framework.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from pipeline import scoring
from pipeline.framework import Framework
from pipeline.vocabulary import LEVEL_LADDER, LEVEL_RANK

#: The level from which a theme counts as "Achieving or above".
ACHIEVING = "Achieving"
MEMBERS_COLUMN = "Members with a return"
MEDIAN_COLUMN = "Median level"
UPTAKE_COLUMNS = [
    "criterion_id",
    "section",
    "theme",
    "theme_title",
    "level",
    "text",
    "members",
    "satisfied",
    "share_satisfied",
    "not_applicable",
]
POSITION_COLUMNS = [
    "theme",
    "theme_title",
    "level",
    "level_rank",
    "median_rank",
    "median_level",
    "at_or_above",
    "returns",
    "position",
]


def lower_median(values: Iterable[int]) -> int | None:
    """The lower middle of the sorted values (None for none): always one of the values."""
    ordered = sorted(int(v) for v in values)
    if not ordered:
        return None
    return ordered[(len(ordered) - 1) // 2]


def median_level(ranks: Iterable[int]) -> str:
    """The median level word of these level ranks ("" for none): the lower middle level."""
    rank = lower_median(ranks)
    return "" if rank is None else LEVEL_LADDER[rank]


def achieving_or_above(themes: pd.DataFrame) -> pd.Series:
    """Per OPCC (index opcc_code, sorted): how many of its themes stand at Achieving or above."""
    high = themes["level_rank"].ge(LEVEL_RANK[ACHIEVING])
    return high.groupby(themes["opcc_code"]).sum().astype(int).sort_index()


def level_counts(frame: pd.DataFrame, key: str, keys: list[int]) -> pd.DataFrame:
    """Per `key` value (theme or section number, in `keys` order): members at each level, their
    total and the median level. Columns: the level words of the ladder, then MEMBERS_COLUMN and
    MEDIAN_COLUMN; index: `keys`.
    """
    counts = (
        pd.crosstab(frame[key], frame["level_rank"])
        .reindex(index=keys, columns=range(len(LEVEL_LADDER)), fill_value=0)
        .astype(int)
    )
    counts.columns = list(LEVEL_LADDER)
    counts[MEMBERS_COLUMN] = counts.sum(axis=1)
    ranks = frame.groupby(key)["level_rank"]
    counts[MEDIAN_COLUMN] = [
        median_level(ranks.get_group(k)) if k in ranks.groups else "" for k in keys
    ]
    return counts.rename_axis(key)


def theme_counts(themes: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Members at each level, and the median level, per theme of the framework."""
    return level_counts(themes, "theme", [t.number for t in framework.themes])


def section_counts(sections: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Members at each level, and the median level, per section of the framework."""
    return level_counts(sections, "section", [s.number for s in framework.sections])


def criterion_uptake(responses: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per criterion across the OPCCs in the frame: who satisfies it, least met first."""
    summary = scoring.uptake(responses, framework)
    summary["share_satisfied"] = summary["satisfied"] / summary["members"].where(
        summary["members"] > 0
    )
    for column in ("members", "satisfied", "not_applicable"):
        summary[column] = summary[column].astype(int)
    summary = summary.sort_values(["share_satisfied", "order"], na_position="last")
    return summary[UPTAKE_COLUMNS].reset_index(drop=True)


def position(themes: pd.DataFrame, code: str) -> pd.DataFrame:
    """Per theme: this OPCC's level against every return in `themes` (the run's `Scores.themes`).

    Columns POSITION_COLUMNS: median_rank and median_level are the lower middle level (as in
    `median_level`), at_or_above counts the returns at this OPCC's level or higher, and position
    is "above", "at" or "below" the median.
    """
    return pd.DataFrame(list(_Ranks(themes).position(code)), columns=POSITION_COLUMNS)


@dataclass(frozen=True)
class Standing:
    """One OPCC against every return of a run: what its report's national picture says."""

    #: Per theme, in theme order: POSITION_COLUMNS (see `position`) as a dict.
    position: tuple[dict, ...]
    #: How many returns the run accepted (OPCCs in `themes`).
    returns: int
    #: This OPCC's themes at Achieving or above, and the lower median of that over the returns.
    achieving_or_above: int
    median_achieving_or_above: int


def standing(themes: pd.DataFrame, code: str) -> Standing:
    """One OPCC's `Standing` among the returns in `themes` (the run's `Scores.themes`)."""
    return _Ranks(themes).standing(code)


def standings(themes: pd.DataFrame) -> Mapping[str, Standing]:
    """Every OPCC's `Standing`, from one pass over `themes`: a run's reports share the work.
    Each is made when asked for, so that a run of thousands never holds them all."""
    return _Standings(_Ranks(themes))


class _Standings(Mapping):
    def __init__(self, ranks: _Ranks) -> None:
        self._ranks = ranks

    def __getitem__(self, code: str) -> Standing:
        if code not in self._ranks.high:
            raise KeyError(code)
        return self._ranks.standing(code)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ranks.codes)

    def __len__(self) -> int:
        return len(self._ranks.codes)


class _Ranks:
    """The level ranks of a run, theme by theme, read once from the frame (first row of each
    OPCC and theme), with each theme's ranks sorted so that a count is a binary search."""

    def __init__(self, themes: pd.DataFrame) -> None:
        self.by_theme: dict[int, dict[str, int]] = {}
        self.titles: dict[int, str] = {}
        high: dict[str, int] = {}
        for code, theme, title, rank in zip(
            themes["opcc_code"],
            themes["theme"],
            themes["theme_title"],
            themes["level_rank"],
            strict=True,
        ):
            self.titles.setdefault(theme, title)
            self.by_theme.setdefault(theme, {}).setdefault(code, int(rank))
            high[code] = high.get(code, 0) + int(rank >= LEVEL_RANK[ACHIEVING])
        self.themes = sorted(self.by_theme)
        self.codes = sorted(high)
        self.high = high
        self.sorted = {theme: sorted(self.by_theme[theme].values()) for theme in self.themes}
        self.medians = {theme: lower_median(values) for theme, values in self.sorted.items()}
        self.median_high = lower_median(high.values())

    def position(self, code: str):
        for theme in self.themes:
            mine = self.by_theme[theme][code]
            ranks = self.sorted[theme]
            median = self.medians[theme]
            yield {
                "theme": theme,
                "theme_title": self.titles[theme],
                "level": LEVEL_LADDER[mine],
                "level_rank": mine,
                "median_rank": median,
                "median_level": LEVEL_LADDER[median],
                "at_or_above": len(ranks) - bisect.bisect_left(ranks, mine),
                "returns": len(ranks),
                "position": "above" if mine > median else "below" if mine < median else "at",
            }

    def standing(self, code: str) -> Standing:
        return Standing(
            position=tuple(self.position(code)),
            returns=len(self.codes),
            achieving_or_above=self.high[code],
            median_achieving_or_above=self.median_high,
        )
