"""Progress since last year: this run's levels and statuses against last year's record.

Pure functions on frames: last year comes from its year record (`history.load_record`), never
from last year's returns, and a member whose code changed is matched through the member list's
`previous_codes` (`history.carry_plan`). The report words one member's part of the result and the
benchmark lays out the national part; neither decides a movement.

A theme moves *up* or *down* when its level rank changes. A criterion *changed status* when its
status (blank or unrecognised counting as not assessed) differs from last year's. A criterion
that was Met last year and is not satisfied now is listed **for challenge**: a good reason is
needed for a step back, or the earlier Met was wrong.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import framework as framework_module
from pipeline import history, scoring
from pipeline.framework import Framework
from pipeline.vocabulary import LEVEL_LADDER, MET, NOT_APPLICABLE, STATUSES

UP, SAME, DOWN = "up", "no change", "down"
NOT_ASSESSED = "Not assessed"

THEME_COLUMNS = [
    "opcc_code",
    "previous_code",
    "section",
    "theme",
    "theme_title",
    "previous_level",
    "previous_rank",
    "level",
    "level_rank",
    "movement",
    "in_words",
]
CRITERIA_COLUMNS = [
    "opcc_code",
    "previous_code",
    "section",
    "theme",
    "criterion_id",
    "level",
    "text",
    "previous_status",
    "status",
    "previous_satisfied",
    "satisfied",
    "for_challenge",
]
NATIONAL_COLUMNS = ["theme", "theme_title", "level", "previous_members", "members"]
NOT_RETURNED_COLUMNS = ["previous_code", "opcc_code", "policing_body", "reason"]
NO_RETURN = "no accepted return this year"
NOT_LISTED = "not in this year's member list"


class PreviousYearError(history.RecordError):
    """Last year's record cannot be compared with this run (another edition, a later year...)."""


@dataclass(frozen=True)
class Progress:
    """This year against last year. Frames are sorted by member, then in framework order."""

    previous_year: str
    year: str
    #: One row per member with an accepted return in both years, and theme.
    themes: pd.DataFrame
    #: One row per member in both years and criterion whose status changed.
    criteria: pd.DataFrame
    #: One row per theme and level: members at it last year and this year.
    national: pd.DataFrame
    #: Members with an accepted return last year and none this year.
    not_returned: pd.DataFrame
    #: How many members had an accepted return last year, and this year.
    previous_returns: int = 0
    returns: int = 0
    #: The output folder whose record was read.
    previous_folder: str = ""

    @property
    def challenge(self) -> pd.DataFrame:
        """The criteria Met last year and not satisfied this year."""
        return self.criteria[self.criteria["for_challenge"]].reset_index(drop=True)

    def for_opcc(self, code: str) -> Progress | None:
        """One member's part (the national frames kept whole), or None when the member had no
        accepted return last year: there is then nothing to compare."""
        themes = self.themes[self.themes["opcc_code"] == code].reset_index(drop=True)
        if themes.empty:
            return None
        criteria = self.criteria[self.criteria["opcc_code"] == code].reset_index(drop=True)
        return dataclasses.replace(self, themes=themes, criteria=criteria)


def load_previous(
    folder: Path, *, demo: bool = False, edition: str = framework_module.DEFAULT_EDITION
) -> history.Record:
    """Last year's record, checked for comparing with this run (RecordError saying why if not).

    A real run refuses a demo run's record, and a demo run refuses a real one, so invented
    returns never meet real ones. Records of another framework edition are refused until
    comparing across editions is supported.
    """
    try:
        return history.load_record(folder, edition=edition, demo=demo)
    except history.DemoRecordError as exc:
        if demo:
            raise history.DemoRecordError(
                f"{folder} is the output of a run on real returns; a demo run compares only "
                "with the demo's own previous year. Leave out --previous."
            ) from exc
        raise history.DemoRecordError(
            f"{folder} is the output of a demo run (invented returns); real returns are never "
            "compared with it. Give --previous the output folder of last year's run on the "
            "real returns, e.g. output/2024-25."
        ) from exc
    except history.EditionError as exc:
        found = _recorded_edition(folder)
        raise history.EditionError(
            f"{folder} was made with framework edition {found or 'unknown'}, and this run uses "
            f"edition {edition}. Comparing years across framework editions is not supported "
            "yet: run without --previous, or give the folder of a run on the same edition."
        ) from exc


def _recorded_edition(folder: Path) -> str:
    path = history.record_folder(Path(folder)) / history.RECORD_FILE
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("framework_edition", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def check_years(record: history.Record, year: str) -> None:
    """Last year's record must be of an earlier year than this run's."""
    if not record.year or record.year >= year:
        raise PreviousYearError(
            f"{record.folder} is the record of {record.year or 'an unknown year'}; progress is "
            f"measured against an earlier year than this run's {year}. Give --previous the "
            "output folder of an earlier year's run."
        )


def previous_year(year: str) -> str:
    """The financial year before `year`: 2025-26 -> 2024-25."""
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def compare(
    record: history.Record,
    *,
    year: str,
    scores: scoring.Scores,
    responses: pd.DataFrame,
    members: pd.DataFrame,
    previous_codes: dict[str, tuple[str, ...]],
    framework: Framework,
) -> Progress:
    """This run's accepted returns (their `scores` and `responses`) against last year's record.

    `members` is this year's member list; `previous_codes` its old codes
    (`members.previous_codes`).
    """
    check_years(record, year)
    codes = sorted(members["code"])
    plan, unclaimed = history.carry_plan(record, codes, previous_codes)
    returned = set(scores.themes["opcc_code"])
    both = {code: old for code, old in plan.items() if code in returned}
    return Progress(
        previous_year=record.year,
        year=year,
        themes=_theme_movement(record, scores.themes, both),
        criteria=_criteria_changes(record, responses, both, framework),
        national=_national(record.themes, scores.themes, framework),
        not_returned=_not_returned(plan, unclaimed, returned, members),
        previous_returns=len(record.members),
        returns=len(returned),
        previous_folder=Path(record.folder).as_posix(),
    )


def movement(previous_rank: int, rank: int) -> str:
    return UP if rank > previous_rank else DOWN if rank < previous_rank else SAME


def in_words(previous_rank: int, rank: int) -> str:
    """'up from Developing to Achieving', 'no change (Achieving)', 'down from ... to ...'."""
    before, now = LEVEL_LADDER[previous_rank], LEVEL_LADDER[rank]
    word = movement(previous_rank, rank)
    if word == SAME:
        return f"no change ({now})"
    return f"{word} from {before} to {now}"


def _pairs(both: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"opcc_code": list(both), "previous_code": list(both.values())},
        columns=["opcc_code", "previous_code"],
    )


def _theme_movement(
    record: history.Record, themes: pd.DataFrame, both: dict[str, str]
) -> pd.DataFrame:
    before = record.themes[["opcc_code", "theme", "level", "level_rank"]].rename(
        columns={
            "opcc_code": "previous_code",
            "level": "previous_level",
            "level_rank": "previous_rank",
        }
    )
    now = themes[["opcc_code", "section", "theme", "theme_title", "level", "level_rank"]]
    table = _pairs(both).merge(now, on="opcc_code").merge(before, on=["previous_code", "theme"])
    table = table.sort_values(["opcc_code", "theme"], ignore_index=True)
    ranks = list(zip(table["previous_rank"], table["level_rank"], strict=True))
    table["movement"] = [movement(int(a), int(b)) for a, b in ranks]
    table["in_words"] = [in_words(int(a), int(b)) for a, b in ranks]
    return table.reindex(columns=THEME_COLUMNS)


def status_word(status: object) -> str:
    """A status as the report shows it: one of the four, or Not assessed."""
    text = "" if status is None or (not isinstance(status, str) and pd.isna(status)) else status
    text = str(text).strip()
    return text if text in STATUSES else NOT_ASSESSED


def _criteria_changes(
    record: history.Record, responses: pd.DataFrame, both: dict[str, str], framework: Framework
) -> pd.DataFrame:
    criteria = framework.frame[["criterion_id", "section", "theme", "level", "text"]]
    order = {cid: index for index, cid in enumerate(criteria["criterion_id"])}
    pairs = _pairs(both)
    grid = pairs.merge(criteria, how="cross")
    before = record.responses[["opcc_code", "criterion_id", "status", "na_reason"]]
    before = before.rename(columns={"opcc_code": "previous_code"})
    now = responses[["opcc_code", "criterion_id", "status", "na_reason"]].drop_duplicates(
        ["opcc_code", "criterion_id"]
    )
    grid = grid.merge(before, on=["previous_code", "criterion_id"], how="left")
    grid = grid.merge(now, on=["opcc_code", "criterion_id"], how="left", suffixes=("_was", ""))
    was = pd.DataFrame({"status": grid["status_was"], "na_reason": grid["na_reason_was"]})
    grid["previous_satisfied"] = scoring.satisfied(was).to_numpy()
    grid["satisfied"] = scoring.satisfied(grid[["status", "na_reason"]]).to_numpy()
    grid["previous_status"] = _labels(grid["status_was"], grid["na_reason_was"])
    grid["status"] = _labels(grid["status"], grid["na_reason"])
    grid["for_challenge"] = grid["previous_status"].eq(MET) & ~grid["satisfied"]
    changed = grid[grid["previous_status"] != grid["status"]].copy()
    changed["order"] = changed["criterion_id"].map(order)
    changed = changed.sort_values(["opcc_code", "order"], ignore_index=True)
    return changed.reindex(columns=CRITERIA_COLUMNS)


def _labels(statuses: pd.Series, reasons: pd.Series) -> list[str]:
    """Status words; Not applicable without a reason is told apart (it is not satisfied)."""
    labels = []
    for status, reason in zip(statuses, reasons, strict=True):
        word = status_word(status)
        if word == NOT_APPLICABLE and not str("" if pd.isna(reason) else reason).strip():
            word = f"{NOT_APPLICABLE} (no reason)"
        labels.append(word)
    return labels


def _national(before: pd.DataFrame, now: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    rows = []
    for theme in framework.themes:
        was = before.loc[before["theme"] == theme.number, "level_rank"]
        is_ = now.loc[now["theme"] == theme.number, "level_rank"]
        for rank, level in enumerate(LEVEL_LADDER):
            rows.append(
                {
                    "theme": theme.number,
                    "theme_title": theme.title,
                    "level": level,
                    "previous_members": int((was == rank).sum()),
                    "members": int((is_ == rank).sum()),
                }
            )
    return pd.DataFrame(rows, columns=NATIONAL_COLUMNS)


def _not_returned(
    plan: dict[str, str], unclaimed: list[str], returned: set[str], members: pd.DataFrame
) -> pd.DataFrame:
    bodies = members.set_index("code")["policing_body"]
    rows = [
        {
            "previous_code": old,
            "opcc_code": code,
            "policing_body": bodies.get(code, ""),
            "reason": NO_RETURN,
        }
        for code, old in sorted(plan.items())
        if code not in returned
    ]
    rows += [
        {"previous_code": old, "opcc_code": "", "policing_body": "", "reason": NOT_LISTED}
        for old in unclaimed
    ]
    return pd.DataFrame(rows, columns=NOT_RETURNED_COLUMNS)


def summary(progress: Progress) -> str:
    """One line for the run's summary: themes up and down, criteria for challenge."""
    moves = progress.themes["movement"].value_counts()
    members = progress.themes["opcc_code"].nunique()
    return (
        f"Since {progress.previous_year} ({members} member(s) with a return both years): "
        f"{int(moves.get(UP, 0))} theme(s) up, {int(moves.get(DOWN, 0))} down, "
        f"{int(moves.get(SAME, 0))} unchanged; {len(progress.challenge)} criteria Met last year "
        f"are not now (listed for challenge in the benchmark); {len(progress.not_returned)} "
        "member(s) returned last year but not this year."
    )
