"""The year record: what one run keeps so that the next year can start from it.

Every `equality run` writes `<out>/<year>/record/`: tidy CSV tables of the accepted returns (one
per concern) and `record.json`, which names the format and its version, the framework edition,
the year, whether the run was a demo, the members with an accepted return and the sha256 of each
table. Next year's workbooks are prefilled from this record (`prefill`), and progress since last
year is worked out from it, never by re-reading last year's .xlsx returns, which may have moved,
been edited or been deleted since.

CSV keeps the record readable by people and by any tool, and byte-for-byte repeatable. Text that
begins with a character a spreadsheet would read as the start of a formula (= + - @, a tab, a
carriage return) or with an apostrophe is written with one extra leading apostrophe, so that
opening a table in Excel never runs anything; `load_record` takes it off again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import __version__, scoring, vocabulary
from pipeline import framework as framework_module
from pipeline.framework import Framework
from pipeline.outputs import sha256_file, write_atomically, write_bytes_atomically

RECORD_DIR = "record"
RECORD_FILE = "record.json"
RECORD_FORMAT = "equality-year-record"
#: Bump when a change means an older reader would misread the tables (a column renamed, removed or
#: given another meaning). Adding a table does not need a bump; readers ignore tables they do not
#: know.
RECORD_VERSION = 1

#: Profile fields kept in the record. Contact names and emails are not: the record is kept for
#: years, and the people change; next year's workbook asks for them again.
PROFILE_KEYS = (
    "policing_body",
    "force_area",
    "lead_role",
    "employees",
    "signoff_role",
    "signoff_date",
    "equality_statement",
    "published_links",
)

#: Table name -> its columns, in file order. Every table has one row per member and item, sorted
#: by member code and then in framework (or return) order.
TABLES: dict[str, list[str]] = {
    "responses": [
        "opcc_code",
        "criterion_id",
        "section",
        "theme",
        "level",
        "status",
        "status_raw",
        "satisfied",
        "evidence",
        "evidence_link",
        "owner",
        "target_date",
        "target_date_raw",
        "na_reason",
    ],
    "commentary": ["opcc_code", "theme", "text"],
    "objectives": [
        "opcc_code",
        "number",
        "objective",
        "related_themes",
        "measure",
        "baseline",
        "target",
        "progress",
        "commentary",
    ],
    "profile": ["opcc_code", *PROFILE_KEYS],
    "themes": list(scoring.THEME_COLUMNS),
    "sections": list(scoring.SECTION_COLUMNS),
}

#: Columns that are not text, and how they are read back.
_INTEGERS = {
    "section",
    "theme",
    "number",
    "level_rank",
    "not_applicable",
    *(c for c in scoring.THEME_COLUMNS if c.endswith(("_satisfied", "_total"))),
}
_BOOLEANS = {"satisfied"}
_DATES = {"target_date", "signoff_date"}
_OPTIONAL_INTEGERS = {"employees"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class RecordError(ValueError):
    """A folder whose year record cannot be used; the message says why and what to do."""


class NotAnOutputError(RecordError):
    """The folder is not an `equality run` output folder (or holds no year record)."""


class RecordVersionError(RecordError):
    """The record was written in a format version this tool cannot read."""


class DemoRecordError(RecordError):
    """The record is of a demo run: invented returns must not be carried into real workbooks."""


class EditionError(RecordError):
    """The record was made for another framework edition."""


class DamagedRecordError(RecordError):
    """A table is missing or differs from the sha256 that record.json gives for it."""


@dataclass(frozen=True)
class Record:
    """One year's record, read back and checked. Tables are typed as in the run (ints, bools,
    datetime64 for dates, "" for blank text)."""

    folder: Path
    year: str
    framework_edition: str
    generated: str
    tool_version: str
    #: One entry per accepted return: opcc_code, file, sha256, verdict, warnings, signoff_date.
    returns: tuple[dict, ...]
    responses: pd.DataFrame
    commentary: pd.DataFrame
    objectives: pd.DataFrame
    profile: pd.DataFrame
    themes: pd.DataFrame
    sections: pd.DataFrame

    @property
    def members(self) -> tuple[str, ...]:
        """The codes of the members with an accepted return that year, sorted."""
        return tuple(sorted(entry["opcc_code"] for entry in self.returns))

    def table(self, name: str, code: str) -> pd.DataFrame:
        """One member's rows of one table."""
        frame = getattr(self, name)
        return frame[frame["opcc_code"] == code].reset_index(drop=True)


# --- writing ------------------------------------------------------------------------------------


#: The tables with rows of each return's own (the rest come from the scores and profiles).
_PER_RETURN = ("profile", "responses", "commentary", "objectives")


def _table_of(name: str, wholes: list, framework: Framework) -> pd.DataFrame:
    if name == "profile":  # from the whole return: a run holds its long texts on disk only
        return _profile_table(wholes)
    frame = _frames([getattr(r, name) for r in wholes], [])
    if name == "responses" and len(frame):
        sections = framework.frame.set_index("criterion_id")["section"]
        frame = frame.assign(
            section=frame["criterion_id"].map(sections),
            satisfied=scoring.satisfied(frame),
            target_date=pd.to_datetime(frame["target_date"]).dt.strftime("%Y-%m-%d"),
        )
    return frame


def _profile_table(returns: list) -> pd.DataFrame:
    profile_rows = []
    for found in returns:
        row = {"opcc_code": found.opcc_code}
        for key in PROFILE_KEYS:
            value = found.profile.get(key)
            if isinstance(value, dt.date):
                value = value.isoformat()
            row[key] = "" if value is None else value
        profile_rows.append(row)
    return pd.DataFrame(profile_rows)


#: Returns read back whole at a time to write the record: few enough to hold, many enough that
#: pandas works on tables rather than on each return's few rows.
_RETURNS_AT_A_TIME = 32


def _write_per_return(folder: Path, returns: list, framework: Framework) -> dict[str, int]:
    """Write the tables with rows of each return's own (`_PER_RETURN`) in one pass over the
    returns, a few at a time (by member, as `_tidy` orders them), each read whole from its
    spool once and let go, so that the record of thousands of returns never sits in memory at
    once. Returns the rows written to each."""
    ordered = sorted(returns, key=lambda r: r.opcc_code)
    rows = dict.fromkeys(_PER_RETURN, 0)

    def write(temporaries: dict[str, Path]) -> None:
        with contextlib.ExitStack() as files:
            out = {name: files.enter_context(open(tmp, "wb")) for name, tmp in temporaries.items()}
            for name in _PER_RETURN:
                columns = TABLES[name]
                out[name].write(_csv_bytes(_tidy(pd.DataFrame(columns=columns), columns)))
            for start in range(0, len(ordered), _RETURNS_AT_A_TIME):
                wholes = [found.whole() for found in ordered[start : start + _RETURNS_AT_A_TIME]]
                for name in _PER_RETURN:
                    table = _tidy(_table_of(name, wholes, framework), TABLES[name])
                    if len(table):
                        out[name].write(_csv_bytes(table, header=False))
                        rows[name] += len(table)

    _write_all_atomically({name: folder / f"{name}.csv" for name in _PER_RETURN}, write)
    return rows


def _write_all_atomically(
    paths: dict[str, Path],
    write: Callable[[dict[str, Path]], None],
    temporaries: dict[str, Path] | None = None,
) -> None:
    """`write_atomically` of several files written together: `write` gets a temporary for
    each name; every file is placed once all are written, or none is."""
    temporaries = temporaries or {}
    missing = [name for name in paths if name not in temporaries]
    if not missing:
        write(temporaries)
        return
    name = missing[0]
    write_atomically(
        paths[name],
        lambda tmp: _write_all_atomically(paths, write, {**temporaries, name: tmp}),
    )


def write_record(
    folder: Path,
    *,
    returns: list,
    log: pd.DataFrame,
    scores: scoring.Scores,
    framework: Framework,
    year: str,
    demo: bool,
    generated: dt.date,
) -> list[Path]:
    """Write the record of a run's accepted returns into `folder`; record.json last, so that a
    run cut short leaves a record whose hashes do not match rather than a wrong one."""
    folder = Path(folder)
    written = []
    files = {}
    tables = {
        "themes": scores.themes,
        "sections": scores.sections,
    }
    per_return = _write_per_return(folder, returns, framework)
    for name, columns in TABLES.items():
        path = folder / f"{name}.csv"
        if name in _PER_RETURN:
            rows = per_return[name]
        else:
            frame = _tidy(tables[name], columns)
            write_atomically(path, lambda tmp, frame=frame: _write_csv_in_parts(tmp, frame))
            rows = len(frame)
        files[path.name] = {"sha256": sha256_file(path), "rows": rows}
        written.append(path)
    by_code = {}
    if len(log):
        by_code = {row["opcc_code"]: row for row in log.to_dict("records") if row["opcc_code"]}
    entries = []
    for found in sorted(returns, key=lambda r: r.opcc_code):
        row = by_code.get(found.opcc_code, {})
        signoff = found.profile.get("signoff_date")
        entries.append(
            {
                "opcc_code": found.opcc_code,
                "file": str(row.get("file", found.path.name)),
                "sha256": found.sha256,
                "verdict": str(row.get("verdict", "")),
                "warnings": int(row.get("warnings", 0) or 0),
                "signoff_date": signoff.isoformat() if isinstance(signoff, dt.date) else "",
            }
        )
    manifest = {
        "format": RECORD_FORMAT,
        "record_version": RECORD_VERSION,
        "tool": "equality",
        "tool_version": __version__,
        "framework_edition": framework.edition,
        "criteria_checksum": framework.checksum,
        "year": year,
        "generated": generated.isoformat(),
        "demo": bool(demo),
        "members": [entry["opcc_code"] for entry in entries],
        "returns": entries,
        "tables": files,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    written.append(write_bytes_atomically(folder / RECORD_FILE, text.encode("utf-8")))
    return written


def _frames(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [frame for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _tidy(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The table's columns in order, sorted by member (keeping each member's own order)."""
    frame = frame.reindex(columns=columns)
    return frame.sort_values("opcc_code", kind="stable", ignore_index=True)


#: Rows of a whole-run table (each member's themes, say) turned into text at a time.
_ROWS_AT_A_TIME = 4096


def _write_csv_in_parts(path: Path, frame: pd.DataFrame) -> None:
    """`_csv_bytes(frame)` into `path`, a few thousand rows at a time: every cell becomes a
    string on the way, and the themes of thousands of members made a million at once."""
    with open(path, "wb") as out:
        out.write(_csv_bytes(frame.iloc[:0]))
        for start in range(0, len(frame), _ROWS_AT_A_TIME):
            out.write(_csv_bytes(frame.iloc[start : start + _ROWS_AT_A_TIME], header=False))


def _csv_bytes(frame: pd.DataFrame, header: bool = True) -> bytes:
    out = frame.copy()
    for column in out.columns:
        if column in _INTEGERS or column in _BOOLEANS:
            continue
        out[column] = out[column].map(_cell_text)
    return out.to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")


def _cell_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


# --- reading ------------------------------------------------------------------------------------


def record_folder(folder: Path) -> Path:
    return Path(folder) / RECORD_DIR


def load_record(
    folder: Path, *, edition: str = framework_module.DEFAULT_EDITION, demo: bool = False
) -> Record:
    """The year record of an `equality run` output folder (e.g. output/2025-26), checked.

    Refused (RecordError, with a sentence saying why and what to do): a folder that is not an
    equality output, a record of an unknown format version, a demo run (or, with `demo`, which
    a demo run asks for its own previous year, a run that was not a demo), a run for another
    framework edition than `edition`, and a record whose tables were changed or lost.
    """
    folder = Path(folder)
    manifest = _manifest(folder)
    version = manifest.get("record_version")
    if version != RECORD_VERSION:
        raise RecordVersionError(
            f"{folder}: the year record is format version {version!r}; this version of equality "
            f"reads version {RECORD_VERSION}. Use the equality version that wrote it, or run "
            "that year again with this one to rewrite the record."
        )
    year = str(manifest.get("year", ""))
    if bool(manifest.get("demo")) != demo:
        if demo:
            raise DemoRecordError(f"{folder} is the record of a run on real returns, not a demo.")
        raise DemoRecordError(
            f"{folder} is the output of a demo run (invented returns, made because the input "
            "folder was empty); it cannot be carried into real workbooks. Give the output folder "
            f"of the run on the real {year or 'returns'}."
        )
    found_edition = str(manifest.get("framework_edition", ""))
    if found_edition != edition:
        raise EditionError(
            f"{folder} was made with framework edition {found_edition or 'unknown'}, and these "
            f"workbooks use edition {edition}. Carrying a return between editions is not "
            "supported yet: make blank workbooks (leave out --from)."
        )
    tables = {name: _read_table(folder, manifest, name) for name in TABLES}
    return Record(
        folder=folder,
        year=year,
        framework_edition=found_edition,
        generated=str(manifest.get("generated", "")),
        tool_version=str(manifest.get("tool_version", "")),
        returns=tuple(manifest.get("returns", [])),
        **tables,
    )


def _manifest(folder: Path) -> dict:
    path = record_folder(folder) / RECORD_FILE
    if not folder.is_dir():
        raise NotAnOutputError(
            f"{folder} is not a folder. Give the output folder of last year's run, "
            "e.g. output/2025-26."
        )
    if not path.is_file():
        raise NotAnOutputError(_no_record_message(folder))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAnOutputError(
            f"{path} cannot be read as an equality year record ({exc}). Run that year again "
            "with `equality run` to rewrite it."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != RECORD_FORMAT:
        raise NotAnOutputError(
            f"{path} is not an equality year record. Give the output folder of last year's "
            "run, e.g. output/2025-26."
        )
    return manifest


def _no_record_message(folder: Path) -> str:
    years = sorted(
        child.name
        for child in folder.iterdir()
        if child.is_dir() and (record_folder(child) / RECORD_FILE).is_file()
    )
    if years:
        return (
            f"{folder} holds the outputs of several years; give one year's folder, "
            f"e.g. {folder / years[-1]}."
        )
    if (folder / "run.json").is_file():
        return (
            f"{folder} is an equality output without a year record (an older version wrote it). "
            "Run `equality run` on that year's returns again with this version to write "
            f"{RECORD_DIR}/{RECORD_FILE}."
        )
    return (
        f"{folder} is not the output folder of an equality run: it has no "
        f"{RECORD_DIR}/{RECORD_FILE}. Give the folder `equality run` wrote last year, "
        "e.g. output/2025-26."
    )


def _read_table(folder: Path, manifest: dict, name: str) -> pd.DataFrame:
    path = record_folder(folder) / f"{name}.csv"
    listed = (manifest.get("tables") or {}).get(path.name)
    fix = "Run that year again with `equality run` to rewrite the record."
    if not listed or not path.is_file():
        raise DamagedRecordError(f"{path}: the table is missing from the year record. {fix}")
    if sha256_file(path) != listed.get("sha256"):
        raise DamagedRecordError(
            f"{path} has changed since the run wrote it (its sha256 differs from record.json). "
            f"{fix}"
        )
    frame = pd.read_csv(
        io.BytesIO(path.read_bytes()), dtype=str, keep_default_na=False, encoding="utf-8"
    )
    if list(frame.columns) != TABLES[name]:
        raise DamagedRecordError(f"{path}: the columns are not those of the record. {fix}")
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column in _INTEGERS:
            frame[column] = frame[column].astype(int)
        elif column in _BOOLEANS:
            frame[column] = frame[column].eq("True")
        elif column in _DATES:
            frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
        elif column in _OPTIONAL_INTEGERS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
        else:
            frame[column] = frame[column].map(_untext)
    return frame


def _untext(text: str) -> str:
    return text[1:] if text.startswith("'") else text


# --- years --------------------------------------------------------------------------------------


def next_year(year: str) -> str:
    """The financial year after `year`: 2025-26 -> 2026-27."""
    start = int(year[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def year_start(year: str) -> dt.date:
    """1 April of the financial year."""
    return dt.date(int(year[:4]), 4, 1)


def check_carry(record: Record, year: str) -> None:
    """A record carries only into a later year."""
    if not vocabulary.is_valid_year(year) or year <= record.year:
        raise RecordError(
            f"{record.folder} is the record of {record.year}; it can only be carried into a "
            f"later year's workbooks, not {year}. Give --year {next_year(record.year)}, or the "
            "folder of an earlier run."
        )


def carry_plan(
    record: Record, codes: list[str], previous: dict[str, tuple[str, ...]]
) -> tuple[dict[str, str], list[str]]:
    """(member code -> the code its return is recorded under, recorded codes not carried).

    `codes` is this year's whole member list. A member's own code wins; otherwise the first of
    its previous codes (members.previous_codes) that has a return. A recorded return that no
    member takes (its member left the list, say) is returned so that it can be reported rather
    than silently dropped.
    """
    recorded = set(record.members)
    plan: dict[str, str] = {}
    for code in codes:
        sources = [code, *previous.get(code, ())]
        found = next((source for source in sources if source in recorded), None)
        if found is not None:
            plan[code] = found
    return plan, sorted(recorded - set(plan.values()))
