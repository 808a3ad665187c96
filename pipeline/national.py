"""National statistics across the members of a run, as pure functions on the score frames.

One home for every national figure, so that an OPCC's report and the national benchmark workbook
always say the same thing. The median is ONE definition everywhere: the lower middle value of the
sorted values (for an even count, the lower of the two middle ones). Levels are never averaged:
"between Developing and Achieving" is not a level of the framework.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    grid = scoring.response_grid(responses, framework)
    summary = grid.groupby(
        ["order", "criterion_id", "section", "theme", "theme_title", "level", "text"],
        sort=True,
        as_index=False,
    ).agg(
        members=("opcc_code", "nunique"),
        satisfied=("satisfied", "sum"),
        not_applicable=("claims_na", "sum"),
    )
    if summary.empty:
        # No OPCC in the frame: every criterion, none satisfied, and no share to show.
        summary = framework.frame.reset_index(drop=True).assign(
            order=lambda f: f.index, members=0, satisfied=0, not_applicable=0
        )
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
    ranks = themes.pivot_table(
        index="opcc_code", columns="theme", values="level_rank", aggfunc="first"
    )
    mine = ranks.loc[code]
    titles = themes.drop_duplicates("theme").set_index("theme")["theme_title"]
    medians = [lower_median(ranks[theme].dropna()) for theme in ranks.columns]
    frame = pd.DataFrame(
        {
            "theme": ranks.columns,
            "theme_title": titles.reindex(ranks.columns).to_numpy(),
            "level_rank": mine.astype(int).to_numpy(),
            "median_rank": medians,
            "at_or_above": ranks.ge(mine, axis=1).sum().astype(int).to_numpy(),
            "returns": ranks.notna().sum().astype(int).to_numpy(),
        }
    )
    frame["level"] = [LEVEL_LADDER[rank] for rank in frame["level_rank"]]
    frame["median_level"] = [LEVEL_LADDER[rank] for rank in frame["median_rank"]]
    difference = frame["level_rank"] - frame["median_rank"]
    frame["position"] = ["above" if d > 0 else "below" if d < 0 else "at" for d in difference]
    return frame[POSITION_COLUMNS]
