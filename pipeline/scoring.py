"""Scoring: the cumulative levels of DOMAIN.md, as pure functions on tidy frames.

A criterion is satisfied when it is Met, or Not applicable with a reason. A theme stands at the
highest level whose criteria, and those of every level below, are all satisfied; a section at the
lowest of its themes' levels. Totals always come from the framework, never from the rows present,
so a criterion missing from a return counts as not satisfied.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from pipeline.framework import Framework
from pipeline.vocabulary import LEVEL_LADDER, LEVELS, MET, NOT_APPLICABLE, level_key

THEME_COLUMNS = [
    "opcc_code",
    "section",
    "theme",
    "theme_title",
    "level",
    "level_rank",
    *(f"{level_key(name)}_{part}" for name in LEVELS for part in ("satisfied", "total")),
    "not_applicable",
]
SECTION_COLUMNS = ["opcc_code", "section", "section_title", "level", "level_rank"]
#: Column per rung of the ladder, lowest first: "not_yet_developing", "developing", ...
PROFILE_LEVEL_COLUMNS = [level_key(name) for name in LEVEL_LADDER]
PROFILE_COLUMNS = ["opcc_code", *PROFILE_LEVEL_COLUMNS]
NEXT_STEP_COLUMNS = [
    "opcc_code",
    "section",
    "theme",
    "theme_title",
    "target_level",
    "criterion_id",
    "level",
    "text",
    "status",
    "owner",
    "target_date",
]
NOT_APPLICABLE_COLUMNS = [
    "opcc_code",
    "theme",
    "criterion_id",
    "level",
    "text",
    "na_reason",
    "counted",
]


def _text(column: pd.Series) -> pd.Series:
    """A text column with missing values as "" and surrounding spaces dropped."""
    return column.fillna("").astype(str).str.strip()


def satisfied(responses: pd.DataFrame) -> pd.Series:
    """Met, or Not applicable with a non-blank reason: what counts towards a level."""
    status = _text(responses["status"])
    reason_given = _text(responses["na_reason"]).ne("")
    return (status.eq(MET) | (status.eq(NOT_APPLICABLE) & reason_given)).rename("satisfied")


def response_grid(responses: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Every (OPCC, framework criterion) pair with its response, in OPCC then framework order.

    Rows for criteria outside the framework are ignored; a missing row becomes a blank status.
    Ingest leaves one row per criterion; should a frame hold two, the first wins, so that the
    totals stay right.
    """
    codes = _text(responses["opcc_code"]).drop_duplicates().sort_values()
    criteria = framework.frame.reset_index(drop=True).assign(order=lambda f: f.index)
    grid = codes.to_frame("opcc_code").merge(criteria, how="cross")
    answers = (
        responses.assign(
            opcc_code=_text(responses["opcc_code"]),
            criterion_id=_text(responses["criterion_id"]),
        )
        .drop_duplicates(["opcc_code", "criterion_id"])
        .loc[:, ["opcc_code", "criterion_id", "status", "na_reason", "owner", "target_date"]]
    )
    grid = grid.merge(answers, on=["opcc_code", "criterion_id"], how="left")
    for column in ("status", "na_reason", "owner"):
        grid[column] = _text(grid[column])
    grid["target_date"] = pd.to_datetime(grid["target_date"])
    grid["satisfied"] = satisfied(grid)
    grid["claims_na"] = grid["status"].eq(NOT_APPLICABLE)
    return grid


def _levels_from_grid(grid: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    keys = ["opcc_code", "theme"]
    ranks = list(range(1, len(LEVELS) + 1))
    by_level = grid.groupby([*keys, "level_rank"], sort=True)["satisfied"]
    satisfied_counts = by_level.sum().unstack("level_rank").reindex(columns=ranks)
    totals = by_level.size().unstack("level_rank").reindex(columns=ranks)
    # Cumulative: a level counts only while every level up to it is complete.
    level_rank = satisfied_counts.eq(totals).cumprod(axis=1).sum(axis=1).astype(int)

    themes = level_rank.rename("level_rank").reset_index()
    titles = framework.frame.drop_duplicates("theme").set_index("theme")
    themes["section"] = themes["theme"].map(titles["section"])
    themes["theme_title"] = themes["theme"].map(titles["theme_title"])
    themes["level"] = themes["level_rank"].map(dict(enumerate(LEVEL_LADDER)))
    for rank, name in zip(ranks, LEVELS, strict=True):
        themes[f"{level_key(name)}_satisfied"] = satisfied_counts[rank].to_numpy(dtype=int)
        themes[f"{level_key(name)}_total"] = totals[rank].to_numpy(dtype=int)
    claims = grid.groupby(keys, sort=True)["claims_na"].sum()
    themes["not_applicable"] = claims.to_numpy(dtype=int)
    return themes[THEME_COLUMNS]


def theme_levels(responses: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """One row per (OPCC, theme): the level reached, satisfied/total per level, N/A claims."""
    return _levels_from_grid(response_grid(responses, framework), framework)


def section_levels(themes: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """One row per (OPCC, section): the lowest of its themes' levels."""
    sections = themes.groupby(["opcc_code", "section"], sort=True, as_index=False).agg(
        level_rank=("level_rank", "min")
    )
    titles = {section.number: section.title for section in framework.sections}
    sections["section_title"] = sections["section"].map(titles)
    sections["level"] = [LEVEL_LADDER[rank] for rank in sections["level_rank"]]
    sections["level_rank"] = sections["level_rank"].astype(int)
    return sections[SECTION_COLUMNS]


def level_profile(themes: pd.DataFrame) -> pd.DataFrame:
    """One row per OPCC: how many themes stand at each level (the summary DOMAIN.md allows)."""
    counts = (
        pd.crosstab(themes["opcc_code"], themes["level_rank"])
        .reindex(columns=range(len(LEVEL_LADDER)), fill_value=0)
        .astype(int)
    )
    counts.columns = PROFILE_LEVEL_COLUMNS
    return counts.sort_index().rename_axis("opcc_code").reset_index()[PROFILE_COLUMNS]


def _next_steps_from_grid(grid: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    reached = themes[["opcc_code", "theme", "level_rank"]].rename(
        columns={"level_rank": "reached_rank"}
    )
    grid = grid.merge(reached, on=["opcc_code", "theme"], how="left", validate="many_to_one")
    outstanding = grid[grid["level_rank"].eq(grid["reached_rank"] + 1) & ~grid["satisfied"]]
    steps = outstanding.assign(target_level=outstanding["level"])
    return steps.sort_values(["opcc_code", "order"])[NEXT_STEP_COLUMNS].reset_index(drop=True)


def next_steps(responses: pd.DataFrame, themes: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per (OPCC, theme): the criteria still to satisfy to reach the level above the one reached.

    By the cumulative rule nothing below that level is outstanding; a theme at Advancing has none.
    """
    return _next_steps_from_grid(response_grid(responses, framework), themes)


def _not_applicable_from_grid(grid: pd.DataFrame) -> pd.DataFrame:
    claims = grid[grid["claims_na"]].assign(counted=lambda f: f["na_reason"].ne(""))
    return claims[NOT_APPLICABLE_COLUMNS].reset_index(drop=True)


def not_applicable_claims(responses: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Every Not applicable status, shown openly so it can be challenged; `counted` if reasoned."""
    return _not_applicable_from_grid(response_grid(responses, framework))


@dataclass(frozen=True)
class Scores:
    """Everything the report and benchmark show about levels, for one or many OPCCs."""

    themes: pd.DataFrame
    sections: pd.DataFrame
    profile: pd.DataFrame
    next_steps: pd.DataFrame
    not_applicable: pd.DataFrame

    def for_opcc(self, code: str) -> Scores:
        """The same frames holding only one OPCC's rows."""
        if all((getattr(self, item.name)["opcc_code"] == code).all() for item in fields(self)):
            return self  # already one OPCC's (as `by_opcc` gives them): nothing to filter
        return Scores(
            **{
                item.name: _only(getattr(self, item.name), code).reset_index(drop=True)
                for item in fields(self)
            }
        )

    def by_opcc(self) -> dict[str, Scores]:
        """`for_opcc` of every OPCC in `themes`, from one pass over each frame (a batch of
        thousands would otherwise scan every frame once per OPCC)."""
        parts = {item.name: _groups(getattr(self, item.name)) for item in fields(self)}
        return {
            code: Scores(
                **{
                    name: groups.get(code, _empty(getattr(self, name)))
                    for name, groups in parts.items()
                }
            )
            for code in sorted(set(self.themes["opcc_code"]))
        }


def _groups(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {
        code: group.reset_index(drop=True) for code, group in frame.groupby("opcc_code", sort=False)
    }


def _empty(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].reset_index(drop=True)


def _only(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    return frame[frame["opcc_code"] == code]


def score(responses: pd.DataFrame, framework: Framework) -> Scores:
    """All the scores of every OPCC in `responses` (one join on the framework, shared by all)."""
    grid = response_grid(responses, framework)
    themes = _levels_from_grid(grid, framework)
    return Scores(
        themes=themes,
        sections=section_levels(themes, framework),
        profile=level_profile(themes),
        next_steps=_next_steps_from_grid(grid, themes),
        not_applicable=_not_applicable_from_grid(grid),
    )
