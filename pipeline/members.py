"""The APCC's members: one policing body per police force area of England and Wales.

The list ships with the package (`pipeline/data/members.csv`) and the APCC edits it as bodies
change; every command that uses members takes `--members FILE` to read another copy.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from pipeline import schemas

MEMBER_COLUMNS = ["code", "force_area", "policing_body", "region"]
#: Optional column: the codes a member had in earlier years, separated by semicolons, so that last
#: year's return can be carried into the workbook of a member whose code has since changed.
PREVIOUS_CODES = "previous_codes"
#: Optional column: yes for a Welsh public body under the Welsh Language Standards, whose reports
#: are written in Welsh and English; no or blank otherwise.
WELSH = "welsh"
_CODE = re.compile(schemas.MEMBER_CODE)
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
        found = path.stat()
    except OSError:
        return _checked(path, 0, -1).copy()  # raises, saying why
    return _checked(path.resolve(), found.st_mtime_ns, found.st_size).copy()


@functools.lru_cache(maxsize=8)
def _checked(path: Path, modified: int, size: int) -> pd.DataFrame:
    """load_members of a file as it was at `modified` with `size` bytes: a run asks for its
    list several times (members, Welsh flags, previous codes) and checks it once."""
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


def welsh_codes(path: Path | str | None = None) -> frozenset[str]:
    """The codes of the members flagged `welsh` (yes/true; no, false or blank otherwise);
    an empty set for a list without the column."""
    path = Path(path) if path else default_members_path()
    load_members(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if WELSH not in frame.columns:
        return frozenset()
    flags = frame[[WELSH]].apply(lambda column: column.str.strip().str.lower())
    cases = schemas.failures(schemas.member_flag_schema(WELSH), flags)
    if not cases.empty:
        listed = "\n".join(
            f"  - line {int(case.index) + 2}: welsh {frame.at[int(case.index), WELSH]!r} must be "
            "yes or no (blank means no)."
            for case in cases.itertuples(index=False)
        )
        raise MembersError(f"{path} is not a valid member list:\n{listed}")
    welsh = flags[WELSH].isin(schemas.MEMBER_YES)
    return frozenset(frame.loc[welsh, "code"].str.strip())


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


class UnknownMember(MembersError):
    """A name given for a member that matches no code or force area; `suggestions` are close."""

    def __init__(self, given: str, suggestions: list[str]):
        self.given = given
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"{given!r} is not a member code or force area.{hint} `equality members` lists them."
        )


def fold(text: str) -> str:
    """A name as a code is written: lower case, spaces, underscores and '&' runs made hyphens."""
    words = re.split(r"[\s_\-]+", str(text).strip().lower().replace("&", " and "))
    return "-".join(word for word in words if word)


def resolve_code(members: pd.DataFrame, given: str) -> str:
    """The member code `given` names: its code or force area, in any case and spacing
    ("Kent", "thames valley", "Thames_Valley"); UnknownMember with the closest names if none."""
    import difflib

    folded = fold(given)
    by_name = {fold(code): code for code in members["code"]}
    areas = zip(members["force_area"], members["code"], strict=True)
    by_name.update({fold(area): code for area, code in areas})
    if folded in by_name:
        return by_name[folded]
    close = difflib.get_close_matches(folded, list(by_name), n=3, cutoff=0.6)
    return_codes = list(dict.fromkeys(by_name[name] for name in close))
    raise UnknownMember(given, return_codes)
