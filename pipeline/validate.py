"""Deciding which returns can be used: every rule of the catalogue, applied file by file.

`check_file` reads one return and applies the rules (picklable arguments, so a batch can run it
in a process pool); `resolve` settles two returns from one OPCC and gives each file its verdict.
The value rules live in `schemas`; this module turns their failures into located problems.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import framework as framework_module
from pipeline import ingest, layout, outputs, rules, schemas, scoring
from pipeline.problems import (
    APCC,
    ERROR,
    PROBLEM_COLUMNS,
    WARNING,
    Code,
    Problem,
    by_name,
    listing,
    sort_key,
)
from pipeline.returns import COMMENTARY_COLUMNS, OBJECTIVE_COLUMNS, RESPONSE_COLUMNS, Return
from pipeline.vocabulary import (
    ACCEPTED,
    LEVELS,
    REJECTED,
    SKIPPED,
    SUPERSEDED,
    UNUSED_VERDICTS,
    VERDICTS,
    WITH_WARNINGS,
    is_valid_year,
    level_key,
    year_start,
)

LOG_COLUMNS = [
    "file",
    "path",
    "opcc_code",
    "verdict",
    "errors",
    "warnings",
    "signoff_date",
    "superseded_by",
]

#: The log columns `equality validate` prints.
LOG_SUMMARY_COLUMNS = ["file", "opcc_code", "verdict", "errors", "warnings"]

#: Files in an input folder that are listed as skipped rather than read: why, by name.
_SKIPPED_NAMES = (
    (lambda name: name.startswith("~$"), "an Office lock file (left while a workbook is open)"),
    (lambda name: name.startswith(".~lock."), "a LibreOffice lock file"),
    (lambda name: name.startswith("."), "a hidden file"),
    (lambda name: name.lower() in ("readme.md", "readme.txt"), "the folder's README"),
    (lambda name: name == "collected.json", "the record of returns collected from email"),
)


class NoReturnsError(ValueError):
    """Nothing that could be a return was found where the user pointed."""


@dataclass
class Batch:
    """The outcome of checking a set of files: usable returns, one log row per file, problems."""

    returns: list[Return]
    log: pd.DataFrame
    #: Every problem of every file, sorted by file, sheet, cell and code.
    found: list[Problem]
    #: When a run keeps its returns on disk (returns.Spool), their standing rows, held here.
    held_responses: pd.DataFrame | None = None
    held_objectives: pd.DataFrame | None = None

    @property
    def problems(self) -> pd.DataFrame:
        """The problems as a table (PROBLEM_COLUMNS), worded for the APCC."""
        records = [problem.record(APCC) for problem in self.found]
        return pd.DataFrame(records, columns=PROBLEM_COLUMNS)

    def problems_of(self, file: str) -> list[Problem]:
        """The problems of one file, as named in the log."""
        return self._by_file.get(file, [])

    @functools.cached_property
    def _by_file(self) -> dict[str, list[Problem]]:
        """The problems by file, found once: feedback asks for every file's in turn."""
        by_file: dict[str, list[Problem]] = {}
        for problem in self.found:
            by_file.setdefault(problem.file, []).append(problem)
        return by_file

    @property
    def unused(self) -> pd.DataFrame:
        """The log rows of files that are not scored or reported (rejected or superseded)."""
        return self.log[self.log["verdict"].isin(UNUSED_VERDICTS)]

    def tally(self) -> str:
        """ "3 file(s): 2 accepted, 1 rejected." """
        counts = self.log["verdict"].value_counts()
        listed = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if v in counts)
        return f"{len(self.log)} file(s): {listed}."

    @property
    def responses(self) -> pd.DataFrame:
        if self.held_responses is not None:
            return self.held_responses
        return _concat([r.responses for r in self.returns], RESPONSE_COLUMNS)

    @property
    def objectives(self) -> pd.DataFrame:
        if self.held_objectives is not None:
            return self.held_objectives
        return _concat([r.objectives for r in self.returns], OBJECTIVE_COLUMNS)

    @property
    def commentary(self) -> pd.DataFrame:
        """Read from the returns' spool when a run keeps them on disk (while it runs)."""
        return _concat([r.whole().commentary for r in self.returns], COMMENTARY_COLUMNS)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


# --- one file -----------------------------------------------------------------------------------


def check_file(
    path: Path,
    members: pd.DataFrame | Collection[str],
    *,
    year: str | None = None,
    passwords: Mapping[str, str] | None = None,
    framework: framework_module.Framework | None = None,
    max_unzipped_bytes: int = ingest.DEFAULT_MAX_UNZIPPED_BYTES,
    today: dt.date | None = None,
) -> tuple[Return | None, list[Problem]]:
    """Read one file and apply every rule: (Return, warnings) or (None, errors and warnings).

    `year`, when given, is the only reporting year accepted; `today` is the date of the check
    (the run's --date), after which a sign-off date cannot be. `members`: the member list, or
    only its codes (all this reads of it: a batch sends them to each worker, not the list).
    """
    framework = framework or framework_module.load()
    codes = set(members["code"] if isinstance(members, pd.DataFrame) else members)
    found, problems = ingest.read_return(
        Path(path),
        passwords=passwords,
        max_unzipped_bytes=max_unzipped_bytes,
        framework=framework,
        member_codes=codes,
    )
    if found is None:
        return None, sorted((_member_only(p, codes) for p in problems), key=sort_key)
    errors = rules.admission(found, codes, year)
    if errors:
        problems = [_member_only(p, codes) for p in [*errors, *problems]]
        return None, sorted(problems, key=sort_key)
    problems = [*problems, *rule_problems(found, framework, problems, today=today)]
    return found, sorted(problems, key=sort_key)


def _member_only(problem: Problem, codes: set[str]) -> Problem:
    """A code that is not a member's must not name anything (feedback files are named by it)."""
    if problem.opcc_code and problem.opcc_code not in codes:
        return dataclasses.replace(problem, opcc_code="")
    return problem


def rule_problems(
    found: Return,
    framework: framework_module.Framework,
    earlier: Iterable[Problem] = (),
    *,
    today: dt.date | None = None,
) -> list[Problem]:
    """The value rules (schemas) on a return that could be read, as located warnings.

    `earlier` are ingest's problems: a cell already reported as unreadable is not reported
    again as empty. `today`: the date of the check (a sign-off after it is W126).
    """
    flagged = {(p.sheet, p.cell) for p in earlier}
    return [
        *_response_problems(found, framework, today),
        *_profile_problems(found, flagged),
        *_signoff_problems(found, today),
        *_objective_problems(found),
    ]


def _future_signoff(found: Return, today: dt.date | None) -> dt.date | None:
    signoff = found.profile.get("signoff_date")
    if isinstance(signoff, dt.date) and today is not None and signoff > today:
        return signoff
    return None


def reference_date(found: Return, today: dt.date | None = None) -> tuple[dt.date | None, str]:
    """The date target dates are judged against, and how to name it in a message: the sign-off
    date, as the OPCC saw its plan then; a sign-off after `today` (a typing slip) cannot be
    trusted, so the date of the check stands in for it."""
    signoff = found.profile.get("signoff_date")
    if _future_signoff(found, today) is not None:
        return today, f"date of this check ({today:%d/%m/%Y}), as the sign-off date is later"
    if isinstance(signoff, dt.date):
        return signoff, f"sign-off date ({signoff:%d/%m/%Y})"
    if is_valid_year(found.reporting_year):
        start = year_start(found.reporting_year)
        return start, f"start of the reporting year {found.reporting_year} ({start:%d/%m/%Y})"
    return None, ""


def _cell(found: Return, sheet: str, key: str, row: int) -> str:
    letter = found.column_letters.get(sheet, {}).get(key, "")
    return f"{letter}{row}" if letter and row else ""


def _signoff_problems(found: Return, today: dt.date | None) -> list[Problem]:
    """W126: a sign-off date after the date of the check."""
    signoff = _future_signoff(found, today)
    if signoff is None:
        return []
    sheet, cell = found.profile_cells.get("signoff_date", (layout.PROFILE_SHEET, ""))
    return [
        Code.W126.problem(
            file=found.path.name,
            sheet=sheet,
            cell=cell,
            opcc_code=found.opcc_code,
            date=f"{signoff:%d/%m/%Y}",
            today=f"{today:%d/%m/%Y}",
        )
    ]


def _response_problems(
    found: Return, framework: framework_module.Framework, today: dt.date | None = None
) -> list[Problem]:
    frame = found.responses.reset_index(drop=True)
    reference, reference_name = reference_date(found, today)
    cases = schemas.failures(schemas.responses_schema(framework, reference), frame)
    texts = dict(zip(framework.frame.criterion_id, framework.frame.text, strict=True))
    file, code = found.path.name, found.opcc_code
    problems = []
    blank_rows = []
    for check, index in cases[["check", "index"]].drop_duplicates().itertuples(index=False):
        row = frame.loc[int(index)]
        if check == "blank_status":
            blank_rows.append(row)
            continue
        rule = by_name(check)
        key = {
            "invalid_status": "status",
            "met_without_evidence": "evidence",
            "na_without_reason": "na_reason",
            "text_edited": "criterion_text",
            "date_invalid": "target_date",
            "date_past": "target_date",
        }[check]
        date = row["target_date"]
        problems.append(
            rule.problem(
                file=file,
                sheet=row["sheet"],
                cell=_cell(found, row["sheet"], key, row["row"]),
                opcc_code=code,
                criterion=row["criterion_id"],
                value=row["status_raw"] if check == "invalid_status" else row["target_date_raw"],
                expected=texts[row["criterion_id"]],
                status=row["status"] or "not assessed",
                date=f"{date:%d/%m/%Y}" if pd.notna(date) else "",
                reference=reference_name,
            )
        )
    problems += _blank_status_problems(found, framework, blank_rows)
    return problems


def _blank_status_problems(
    found: Return, framework: framework_module.Framework, rows: list[pd.Series]
) -> list[Problem]:
    """One warning per theme: how many criteria have no status, and which."""
    problems = []
    by_theme: dict[int, list[pd.Series]] = {}
    for row in rows:
        by_theme.setdefault(int(row["theme"]), []).append(row)
    for theme, blank in sorted(by_theme.items()):
        first = blank[0]
        detail = framework.theme(theme)
        problems.append(
            Code.W102.problem(
                file=found.path.name,
                sheet=first["sheet"],
                cell=_cell(found, first["sheet"], "status", first["row"]),
                opcc_code=found.opcc_code,
                count=len(blank),
                total=len(detail.criteria),
                theme=theme,
                theme_title=detail.title,
                ids=listing([row["criterion_id"] for row in blank]),
            )
        )
    return problems


def _profile_problems(found: Return, flagged: set[tuple[str, str]]) -> list[Problem]:
    if not found.profile_cells:
        return []  # no Profile sheet at all: reported once by ingest
    frame = pd.DataFrame([{key: found.profile.get(key) for key in layout.PROFILE_INPUTS}])
    cases = schemas.failures(schemas.PROFILE, frame)
    problems = []
    for key in cases["column"].drop_duplicates():
        sheet, cell = found.profile_cells.get(key, (layout.PROFILE_SHEET, ""))
        if (sheet, cell) in flagged:
            continue
        problems.append(
            Code.W108.problem(
                file=found.path.name,
                sheet=sheet,
                cell=cell,
                opcc_code=found.opcc_code,
                label=layout.PROFILE_LABELS[key],
            )
        )
    return problems


def _objective_problems(found: Return) -> list[Problem]:
    sheet = next((title for title, keys in found.column_letters.items() if "measure" in keys), None)
    if sheet is None:
        return []  # no Objectives sheet at all: reported once by ingest
    file, code = found.path.name, found.opcc_code
    frame = found.objectives.reset_index(drop=True)
    if frame.empty:
        return [Code.W112.problem(file=file, sheet=sheet, opcc_code=code)]
    cases = schemas.failures(schemas.OBJECTIVES, frame)
    problems = []
    for check, index in cases[["check", "index"]].drop_duplicates().itertuples(index=False):
        row = frame.loc[int(index)]
        number = row["number"] or str(int(index) + 1)
        if check == "objective_incomplete":
            missing = [key for key in ("measure", "target") if not row[key]]
            labels = " or ".join(layout.OBJECTIVE_COLUMNS[key] for key in missing)
            problem = Code.W110.problem(
                file=file,
                sheet=row["sheet"],
                cell=_cell(found, row["sheet"], missing[0], row["row"]),
                opcc_code=code,
                number=number,
                missing=labels,
            )
        else:
            problem = Code.W111.problem(
                file=file,
                sheet=row["sheet"],
                cell=_cell(found, row["sheet"], "progress", row["row"]),
                opcc_code=code,
                number=number,
                value=row["progress"],
                allowed=", ".join(layout.PROGRESS_VALUES),
            )
        problems.append(problem)
    return problems


# --- the batch ----------------------------------------------------------------------------------


def discover(paths: Iterable[Path]) -> list[Path]:
    """The files to read under `paths` (see `scan`)."""
    return scan(paths)[0]


def scan(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, Problem]]]:
    """Files as given, and folders searched recursively: every file is read whatever its name
    (its bytes say what it is), except lock files, hidden files, links to folders and links that
    lead out of the folder, which are listed as skipped with the reason (W125).

    Links are followed only to files inside the folder searched; a link that leads nowhere, a
    named pipe or a device is read as far as `ingest` refuses it (E015)."""
    found: set[Path] = set()
    skipped: dict[Path, Problem] = {}

    def skip(path: Path, reason: str) -> None:
        skipped[path] = Code.W125.problem(file=path.name, reason=reason)

    for path in map(Path, paths):
        if not path.is_dir():
            found.add(path)
            continue
        root = path.resolve()
        for folder, folders, files in os.walk(path):
            for name in list(folders):
                inner = Path(folder) / name
                if name.startswith("."):
                    skip(inner, "a hidden folder (nothing in it was read)")
                elif inner.is_symlink():
                    skip(inner, "a link to a folder (links to folders are not followed)")
                else:
                    continue
                folders.remove(name)
            for name in files:
                file = Path(folder) / name
                reason = next((why for test, why in _SKIPPED_NAMES if test(name)), "")
                if not reason and file.is_symlink():
                    reason = _link_outside(file, root)
                if reason:
                    skip(file, reason)
                else:
                    found.add(file)
    order = lambda p: (str(p.parent), p.name)  # noqa: E731
    return sorted(found, key=order), sorted(skipped.items(), key=lambda item: order(item[0]))


def _link_outside(link: Path, root: Path) -> str:
    """Why a link is not followed, or "" when it leads to a file inside `root` (or nowhere: then
    reading it gives the verdict)."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return ""
    if target != root and root not in target.parents:
        return "a link to a file outside the input folder (links are followed only within it)"
    return ""


def resolve(checked: list[tuple[Path, Return | None, list[Problem]]]) -> Batch:
    """Verdicts for every file; of two usable returns for one OPCC the later sign-off date wins
    (then the later file time), and the other is superseded."""
    names = _display_names([Path(path) for path, _, _ in checked])
    entries = []
    for path, found, problems in checked:
        name = names[Path(path)]
        problems = [dataclasses.replace(p, file=name) for p in problems]
        entries.append({"path": Path(path), "name": name, "found": found, "problems": problems})

    usable: dict[str, list[dict]] = {}
    for entry in entries:
        if entry["found"] is not None:
            usable.setdefault(entry["found"].opcc_code, []).append(entry)
    for group in usable.values():
        group.sort(key=_recency, reverse=True)
        winner = group[0]
        for entry in group[1:]:
            entry["superseded_by"] = winner["name"]
            entry["problems"].append(
                Code.W123.problem(
                    file=entry["name"],
                    opcc_code=entry["found"].opcc_code,
                    code=entry["found"].opcc_code,
                    other=winner["name"],
                    basis=_basis(winner["found"], entry["found"]),
                )
            )

    log_rows = []
    for entry in entries:
        problems = entry["problems"]
        errors = sum(p.severity == ERROR for p in problems)
        warnings = sum(p.severity == WARNING for p in problems)
        found = entry["found"]
        if found is None:
            skipped = problems and all(p.code == Code.W125.name for p in problems)
            verdict = SKIPPED if skipped else REJECTED
        elif entry.get("superseded_by"):
            verdict = SUPERSEDED
        else:
            verdict = WITH_WARNINGS if warnings else ACCEPTED
        code = (
            found.opcc_code if found else next((p.opcc_code for p in problems if p.opcc_code), "")
        )
        log_rows.append(
            {
                "file": entry["name"],
                "path": str(entry["path"]),
                "opcc_code": code,
                "verdict": verdict,
                "errors": errors,
                "warnings": warnings,
                "signoff_date": found.profile.get("signoff_date") if found else None,
                "superseded_by": entry.get("superseded_by", ""),
            }
        )
    log = pd.DataFrame(log_rows, columns=LOG_COLUMNS)
    log = log.sort_values(["file", "path"], ignore_index=True)
    log["errors"] = log["errors"].astype("int64")
    log["warnings"] = log["warnings"].astype("int64")
    problems = sorted((p for e in entries for p in e["problems"]), key=sort_key)
    returns = [e["found"] for e in entries if e["found"] is not None and not e.get("superseded_by")]
    return Batch(sorted(returns, key=lambda r: r.opcc_code), log, problems)


def _recency(entry: dict) -> tuple:
    found = entry["found"]
    signoff = found.profile.get("signoff_date")
    return (signoff if isinstance(signoff, dt.date) else dt.date.min, found.modified, entry["name"])


def _basis(winner: Return, loser: Return) -> str:
    late, early = winner.profile.get("signoff_date"), loser.profile.get("signoff_date")
    if isinstance(late, dt.date) and late != early:
        return f"a later sign-off date ({late:%d/%m/%Y})"
    if winner.modified != loser.modified:
        return "the same sign-off date but saved later"
    return "the same sign-off date and file time (the later file name is used)"


def _display_names(paths: list[Path]) -> dict[Path, str]:
    """Each file's name, or its path from the common folder when two files share a name; always
    valid text, short, and different for different paths (file names are user input)."""
    absolute = {path: Path(os.path.abspath(path)) for path in paths}
    counts: dict[str, int] = {}
    for path in paths:
        counts[path.name] = counts.get(path.name, 0) + 1
    shared = [absolute[p] for p in paths if counts[p.name] > 1]
    root = Path(os.path.commonpath([p.parent for p in shared])) if shared else None
    names: dict[Path, str] = {}
    taken: set[str] = set()
    for path in sorted(paths, key=lambda p: (str(p.parent), p.name)):
        if counts[path.name] > 1 and root is not None:
            name = outputs.display_name(absolute[path].relative_to(root).as_posix())
        else:
            name = outputs.display_name(path.name)
        unique, number = name, 2
        while unique in taken:
            unique, number = f"{name} ({number})", number + 1
        taken.add(unique)
        names[path] = unique
    return names


def check_returns(
    paths: Iterable[Path],
    members: pd.DataFrame | Collection[str],
    *,
    year: str | None = None,
    passwords: Mapping[str, str] | None = None,
    framework: framework_module.Framework | None = None,
    today: dt.date | None = None,
) -> Batch:
    """Discover the returns under `paths`, check each, and resolve the batch (`today`: the
    date of the check; a sign-off after it is W126).

    Raises NoReturnsError when `paths` hold no file that could be a return.
    """
    framework = framework or framework_module.load()
    paths = list(paths)
    files, skipped = scan(paths)
    if not files:
        raise NoReturnsError(
            f"No workbooks (.xlsx) found in {', '.join(map(str, paths))}. Give the returned "
            "files, or the folder that holds them."
        )
    checked = [
        (
            path,
            *check_file(
                path, members, year=year, passwords=passwords, framework=framework, today=today
            ),
        )
        for path in files
    ]
    return resolve([*checked, *((path, None, [problem]) for path, problem in skipped)])


#: The columns `equality score` prints, per theme or per section.
SCORE_COLUMNS = {
    "theme": [
        "opcc_code",
        "theme",
        "theme_title",
        "level",
        *(f"{level_key(level)}_{part}" for level in LEVELS for part in ("satisfied", "total")),
    ],
    "section": ["opcc_code", "section", "section_title", "level"],
}


def score_table(
    batch: Batch, framework: framework_module.Framework, by: str = "theme"
) -> pd.DataFrame:
    """The levels of the usable returns, one row per theme (or section) of each OPCC."""
    scores = scoring.score(batch.responses, framework)
    frame = scores.themes if by == "theme" else scores.sections
    columns = SCORE_COLUMNS[by]
    return frame[columns].sort_values(columns[:2], ignore_index=True)
