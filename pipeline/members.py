"""The APCC's members: one policing body per police force area of England and Wales.

The list ships with the package (`pipeline/data/members.csv`) and the APCC edits it as bodies
change; every command that uses members takes `--members FILE` to read another copy.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from pipeline import schemas

MEMBER_COLUMNS = ["code", "force_area", "policing_body", "region"]
REGIONS = (
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
)


class MembersError(ValueError):
    """A member list that cannot be used: the message names the file, row and fix."""


def default_members_path() -> Path:
    return Path(str(resources.files("pipeline").joinpath("data/members.csv")))


def load_members(path: Path | str | None = None) -> pd.DataFrame:
    """The member list, checked: codes unique and well formed, every field filled, regions known."""
    path = Path(path) if path else default_members_path()
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise MembersError(f"{path}: the member list was not found.") from exc
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise MembersError(
            f"{path}: not a readable CSV file ({exc}). Save it as CSV (UTF-8) with the columns "
            f"{', '.join(MEMBER_COLUMNS)}."
        ) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in MEMBER_COLUMNS if c not in frame.columns]
    if missing:
        raise MembersError(
            f"{path}: the column(s) {', '.join(missing)} are missing. The first row must name the "
            f"columns {', '.join(MEMBER_COLUMNS)}."
        )
    frame = frame[MEMBER_COLUMNS].apply(lambda column: column.str.strip())
    problems = _problems(frame)
    if frame.empty:
        problems.append("the list has no members.")
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise MembersError(f"{path} is not a valid member list:\n{listed}")
    return frame.sort_values("code", ignore_index=True)


def _problems(frame: pd.DataFrame) -> list[str]:
    """The member schema's failures as lines a person can act on, in file order."""
    cases = schemas.failures(schemas.members_schema(MEMBER_COLUMNS, REGIONS), frame)
    order = {column: number for number, column in enumerate(MEMBER_COLUMNS)}
    cases = cases.assign(position=cases["column"].map(order).fillna(len(order)))
    problems = []
    duplicated: set[str] = set()
    for case in cases.sort_values(["index", "position"], kind="stable").itertuples(index=False):
        index = int(case.index)
        line = index + 2  # the header is line 1
        value = frame.loc[index, case.column] if case.column in order else ""
        if case.check == "member_filled":
            problems.append(f"line {line}: {case.column} is empty.")
        elif case.check == "member_code_form":
            problems.append(
                f"line {line}: code {value!r} must be lower-case words joined by hyphens "
                "(e.g. west-midlands)."
            )
        elif case.check == "member_region":
            problems.append(f"line {line}: region {value!r} is not one of: {', '.join(REGIONS)}.")
        elif case.check == "member_duplicate":
            duplicated.add(frame.loc[index, "code"])
    for code in sorted(duplicated):
        problems.append(f"code {code!r} appears more than once; each member has one row.")
    return problems
