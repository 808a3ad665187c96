"""The APCC's members: one policing body per police force area of England and Wales.

The list ships with the package (`pipeline/data/members.csv`) and the APCC edits it as bodies
change; every command that uses members takes `--members FILE` to read another copy.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd

MEMBER_COLUMNS = ["code", "force_area", "policing_body", "region"]
#: Optional column: the codes a member had in earlier years, separated by semicolons, so that last
#: year's return can be carried into the workbook of a member whose code has since changed.
PREVIOUS_CODES = "previous_codes"
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
_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


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
    problems = []
    for index, row in frame.iterrows():
        line = index + 2  # the header is line 1
        for column in MEMBER_COLUMNS:
            if not row[column]:
                problems.append(f"line {line}: {column} is empty.")
        if row["code"] and not _CODE.match(row["code"]):
            problems.append(
                f"line {line}: code {row['code']!r} must be lower-case words joined by hyphens "
                "(e.g. west-midlands)."
            )
        if row["region"] and row["region"] not in REGIONS:
            problems.append(
                f"line {line}: region {row['region']!r} is not one of: {', '.join(REGIONS)}."
            )
    duplicated = frame.loc[frame["code"].duplicated() & frame["code"].ne(""), "code"]
    for code in sorted(set(duplicated)):
        problems.append(f"code {code!r} appears more than once; each member has one row.")
    if frame.empty:
        problems.append("the list has no members.")
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise MembersError(f"{path} is not a valid member list:\n{listed}")
    return frame.sort_values("code", ignore_index=True)


def previous_codes(path: Path | str | None = None) -> dict[str, tuple[str, ...]]:
    """Current code -> the codes it had in earlier years, from the optional `previous_codes`
    column (e.g. "old-code-a;old-code-b"); {} for a list without the column.

    A previous code must be well formed, not another member's current code and claimed by one
    member only, so that an earlier year's return maps to exactly one member.
    """
    path = Path(path) if path else default_members_path()
    current = load_members(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if PREVIOUS_CODES not in frame.columns:
        return {}
    codes = set(current["code"])
    owner: dict[str, str] = {}
    mapping: dict[str, tuple[str, ...]] = {}
    problems = []
    for index, row in frame.iterrows():
        line = index + 2
        code = str(row["code"]).strip()
        olds = [part.strip() for part in str(row[PREVIOUS_CODES]).split(";") if part.strip()]
        for old in olds:
            if not _CODE.match(old):
                problems.append(
                    f"line {line}: previous code {old!r} must be lower-case words joined by "
                    "hyphens (e.g. west-midlands)."
                )
            elif old in codes:
                problems.append(
                    f"line {line}: previous code {old!r} is a current member code; list only "
                    "codes no member uses now."
                )
            elif old in owner and owner[old] != code:
                problems.append(
                    f"line {line}: previous code {old!r} is also listed for {owner[old]!r}; an "
                    "old code belongs to one member."
                )
            owner.setdefault(old, code)
        if olds:
            mapping[code] = tuple(dict.fromkeys(olds))
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise MembersError(f"{path} is not a valid member list:\n{listed}")
    return mapping
