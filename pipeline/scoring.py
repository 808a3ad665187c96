"""Scoring: the cumulative levels of DOMAIN.md, as pure functions on tidy frames.

A criterion is satisfied when it is Met, or Not applicable with a reason. A theme stands at the
highest level whose criteria, and those of every level below, are all satisfied; a section at the
lowest of its themes' levels. Totals always come from the framework, never from the rows present,
so a criterion missing from a return counts as not satisfied.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields

import numpy as np
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
    """A text column with missing values as "" and surrounding spaces dropped. Of categories
    (a run's held rows), each word is cleaned once and its rows share it."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        words = _cleaned_categories(column)[column.cat.codes.to_numpy()]
        return pd.Series(words, index=column.index).astype(str)  # as the plain path's type
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
    return _grid(responses, _criteria(framework))


#: The framework's columns that scoring reads on every (OPCC, criterion) pair; the others are
#: added only to the few rows shown (next steps, not applicable claims), by `_detailed`.
_GRID_COLUMNS = ["criterion_id", "theme", "level_rank", "order"]


def _criteria(framework: Framework) -> pd.DataFrame:
    return framework.frame.reset_index(drop=True).assign(order=lambda f: f.index)


def _detailed(rows: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """`rows` of a lean grid with the framework's other columns of their criterion."""
    criteria = _criteria(framework).set_index("order")
    return rows.join(criteria[[c for c in criteria.columns if c not in rows.columns]], on="order")


def _grid(responses: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    codes = _text(responses["opcc_code"]).drop_duplicates().sort_values()
    grid = codes.to_frame("opcc_code").merge(criteria, how="cross")
    grid = grid.merge(_answers(responses), on=["opcc_code", "criterion_id"], how="left")
    for column in ("status", "na_reason", "owner"):
        grid[column] = _text(grid[column])
    grid["target_date"] = pd.to_datetime(grid["target_date"])
    grid["satisfied"] = satisfied(grid)
    grid["claims_na"] = grid["status"].eq(NOT_APPLICABLE)
    return grid


def _answers(responses: pd.DataFrame) -> pd.DataFrame:
    """The answer of each (OPCC, criterion): the first, should a frame hold two."""
    return (
        responses.assign(
            opcc_code=_text(responses["opcc_code"]),
            criterion_id=_text(responses["criterion_id"]),
        )
        .drop_duplicates(["opcc_code", "criterion_id"])
        .loc[:, ["opcc_code", "criterion_id", "status", "na_reason", "owner", "target_date"]]
    )


#: The columns of the responses `uptake` reads.
UPTAKE_COLUMNS = ["opcc_code", "criterion_id", "status", "na_reason"]


def uptake(responses: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per framework criterion, in framework order (its columns, and `order`): how many OPCCs
    of `responses` it is counted over (`members`: all of them, a missing row being a blank
    status), how many satisfy it and how many claim it is not applicable. The totals of
    `response_grid`, counted on integer keys rather than by laying every OPCC on every
    criterion, `SCORE_GROUP` OPCCs at a time: the benchmark counts those of thousands of
    returns, and what it takes to count a row, a few tens of bytes, is then never taken by
    hundreds of thousands of rows at once."""
    criteria = _criteria(framework)
    places = {cid: place for place, cid in enumerate(criteria["criterion_id"])}
    opcc = _keys(responses["opcc_code"]).astype(np.int32)
    satisfied = np.zeros(len(criteria), dtype=np.int64)
    claims = np.zeros(len(criteria), dtype=np.int64)
    for low in range(0, int(opcc.max()) + 1 if len(opcc) else 0, SCORE_GROUP):
        rows = np.flatnonzero((opcc >= low) & (opcc < low + SCORE_GROUP))
        satisfied_here, claims_here = _uptake_counts(
            responses.iloc[rows], opcc[rows], places, len(criteria)
        )
        satisfied += satisfied_here
        claims += claims_here
    return criteria.assign(
        satisfied=satisfied.astype(int),
        not_applicable=claims.astype(int),
        members=len(np.unique(opcc)),
    )


def _uptake_counts(
    responses: pd.DataFrame, opcc: np.ndarray, places: dict[str, int], criteria: int
) -> tuple[np.ndarray, np.ndarray]:
    """(satisfied, not applicable claims) per criterion of some OPCCs' rows (`opcc`: theirs)."""
    order = _lookup(responses["criterion_id"], places).astype(np.int32)
    # The first answer of each (OPCC, criterion), should a frame hold two, as `_answers` keeps.
    pair = opcc.astype(np.int64) * (criteria + 1) + (order + 1)
    first = np.zeros(len(pair), dtype=bool)
    first[np.unique(pair, return_index=True)[1]] = True
    counted = first & (order >= 0)
    not_applicable = _is(responses["status"], NOT_APPLICABLE)
    met = _is(responses["status"], MET)
    reasoned = ~_is(responses["na_reason"], "")
    satisfied_rows = counted & (met | (not_applicable & reasoned))
    claims = counted & not_applicable
    return (
        np.bincount(order[satisfied_rows], minlength=criteria),
        np.bincount(order[claims], minlength=criteria),
    )


def _cleaned_categories(column: pd.Series) -> np.ndarray:
    """The words of a categorical column as `_text` leaves them, with "" last (for code -1)."""
    words = pd.Series(column.cat.categories, dtype=object).astype(str).str.strip()
    return np.append(words.to_numpy(dtype=object), "")


def _keys(column: pd.Series) -> np.ndarray:
    """An integer for each row, the same for rows whose `_text` is the same."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        keys, _ = pd.factorize(_cleaned_categories(column))
        return keys[column.cat.codes.to_numpy()]
    return pd.factorize(_text(column))[0]


def _lookup(column: pd.Series, places: dict[str, int]) -> np.ndarray:
    """Each row's place in `places` by its `_text`, -1 where it has none."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        found = np.array([places.get(w, -1) for w in _cleaned_categories(column)], dtype=np.int64)
        return found[column.cat.codes.to_numpy()]
    return _text(column).map(places).fillna(-1).to_numpy(dtype=np.int64)


def _is(column: pd.Series, word: str) -> np.ndarray:
    """Whether each row's `_text` is `word`."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return (_cleaned_categories(column) == word)[column.cat.codes.to_numpy()]
    return _text(column).eq(word).to_numpy(dtype=bool)


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


def _next_steps_from_grid(
    grid: pd.DataFrame, themes: pd.DataFrame, framework: Framework
) -> pd.DataFrame:
    reached = themes[["opcc_code", "theme", "level_rank"]].rename(
        columns={"level_rank": "reached_rank"}
    )
    grid = grid.merge(reached, on=["opcc_code", "theme"], how="left", validate="many_to_one")
    outstanding = grid[grid["level_rank"].eq(grid["reached_rank"] + 1) & ~grid["satisfied"]]
    outstanding = _detailed(outstanding, framework)
    steps = outstanding.assign(target_level=outstanding["level"])
    return steps.sort_values(["opcc_code", "order"])[NEXT_STEP_COLUMNS].reset_index(drop=True)


def next_steps(responses: pd.DataFrame, themes: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per (OPCC, theme): the criteria still to satisfy to reach the level above the one reached.

    By the cumulative rule nothing below that level is outstanding; a theme at Advancing has none.
    """
    return _next_steps_from_grid(response_grid(responses, framework), themes, framework)


def _not_applicable_from_grid(grid: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    claims = _detailed(grid[grid["claims_na"]], framework)
    claims = claims.assign(counted=lambda f: f["na_reason"].ne(""))
    return claims[NOT_APPLICABLE_COLUMNS].reset_index(drop=True)


def not_applicable_claims(responses: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Every Not applicable status, shown openly so it can be challenged; `counted` if reasoned."""
    return _not_applicable_from_grid(response_grid(responses, framework), framework)


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

    def by_opcc(self) -> Mapping[str, Scores]:
        """`for_opcc` of every OPCC in `themes`, from one pass over each frame (a batch of
        thousands would otherwise scan every frame once per OPCC); each made when asked for, so
        that a run of thousands never holds them all."""
        return _ByOpcc(self)


class _ByOpcc(Mapping):
    def __init__(self, scores: Scores) -> None:
        self._scores = scores
        self._rows = {
            item.name: getattr(scores, item.name).groupby("opcc_code", sort=False).indices
            for item in fields(scores)
        }
        self._codes = sorted(set(scores.themes["opcc_code"]))

    def __getitem__(self, code: str) -> Scores:
        if code not in self._rows["themes"]:
            raise KeyError(code)
        parts = {}
        for name, rows in self._rows.items():
            frame = getattr(self._scores, name)
            parts[name] = (
                frame.take(rows[code]).reset_index(drop=True) if code in rows else _empty(frame)
            )
        return Scores(**parts)

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)


def _empty(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].reset_index(drop=True)


def _only(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    return frame[frame["opcc_code"] == code]


#: OPCCs scored together: the grid of every (OPCC, criterion) pair of thousands of returns is
#: built a group at a time, so that scoring a run's memory does not grow with its size.
SCORE_GROUP = 256


def score(responses: pd.DataFrame, framework: Framework) -> Scores:
    """All the scores of every OPCC in `responses`: the frames of `SCORE_GROUP` OPCCs at a time
    (each a join on the framework shared by the group), in OPCC order, as one."""
    keys = _text(responses["opcc_code"])
    codes = sorted(set(keys))
    if len(codes) <= SCORE_GROUP:
        return _score(responses, framework)
    groups = [
        _score(responses[keys.isin(codes[start : start + SCORE_GROUP]).to_numpy()], framework)
        for start in range(0, len(codes), SCORE_GROUP)
    ]
    return Scores(
        **{
            item.name: pd.concat([getattr(group, item.name) for group in groups], ignore_index=True)
            for item in fields(Scores)
        }
    )


def _score(responses: pd.DataFrame, framework: Framework) -> Scores:
    grid = _grid(responses, _criteria(framework)[_GRID_COLUMNS])
    themes = _levels_from_grid(grid, framework)
    return Scores(
        themes=themes,
        sections=section_levels(themes, framework),
        profile=level_profile(themes),
        next_steps=_next_steps_from_grid(grid, themes, framework),
        not_applicable=_not_applicable_from_grid(grid, framework),
    )
