"""One OPCC's return in memory: tidy frames read from its workbook, and where each value came from.

`ingest` builds these; `validate`, `scoring`, `report` and `benchmark` only read them. Every frame
keeps the sheet and cell of its values so that a problem can be shown where the OPCC will find it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import vocabulary

#: One row per framework criterion (all of them, in framework order, even if the workbook lost
#: some: a lost row is blank, i.e. not assessed). `status` is the canonical status, or "" when the
#: cell was blank or held something that is not a status (`status_raw` keeps what was typed).
RESPONSE_COLUMNS = [
    "opcc_code",
    "criterion_id",
    "theme",
    "level",
    "status",
    "status_raw",
    "evidence",
    "evidence_link",
    "owner",
    "target_date",  # datetime64, NaT when blank or unreadable
    "target_date_raw",  # as typed, for messages about dates that could not be read
    "na_reason",
    "criterion_text",  # the text as it stands in the return, to spot edits
    "sheet",  # where the row was found ("" when the criterion was missing)
    "row",  # 0 when the criterion was missing
]

#: The columns of the responses a run holds for every return while it runs: scoring (with its
#: next steps' owners and dates), the benchmark and progress since last year read no others.
#: The rest waits on disk (`Spool`).
STANDING_COLUMNS = [
    "opcc_code",
    "criterion_id",
    "theme",
    "level",
    "status",
    "na_reason",
    "owner",
    "target_date",
]

#: The profile's long free texts: a return the run holds (`Standings.open`) leaves them in its
#: spool file, where the report and the record read them (`Return.whole`).
LONG_PROFILE_TEXTS = frozenset({"equality_statement", "published_links"})

#: One row per filled objective row.
OBJECTIVE_COLUMNS = [
    "opcc_code",
    "number",
    "objective",
    "related_themes",
    "measure",
    "baseline",
    "target",
    "progress",
    "commentary",
    "sheet",
    "row",
]

#: One row per theme whose commentary cell was found (text may be "").
COMMENTARY_COLUMNS = ["opcc_code", "theme", "text", "sheet", "cell"]


@dataclass
class Return:
    """A return that could be read; `profile` maps the layout's profile keys to cleaned values."""

    path: Path
    sha256: str
    opcc_code: str
    reporting_year: str
    framework_edition: str
    template_version: str
    profile: dict[str, object]
    responses: pd.DataFrame
    objectives: pd.DataFrame
    commentary: pd.DataFrame
    #: Where each profile value was found: key -> (sheet, cell).
    profile_cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: File modification time (seconds), the last tie-break between two returns of one OPCC.
    modified: float = 0.0
    #: Where each column was found on the criterion and objectives sheets: sheet -> column key ->
    #: letter, so that a problem in a frame row (sheet, row) can name its cell.
    column_letters: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Where the whole return waits on disk when this one holds only its standing (`Spool.keep`).
    spool: Path | None = None

    def whole(self) -> Return:
        """This return with all its frames: itself, or the one its spool file holds (while the
        run that kept it runs: after it, read the file again with `validate.check_file`)."""
        if self.spool is None:
            return self
        try:
            data = self.spool.read_bytes()
        except FileNotFoundError:
            raise SpoolGoneError(
                f"{self.path.name}: the run that read this return has ended and its evidence, "
                "kept only while it ran, is gone; read the file again with validate.check_file."
            ) from None
        return pickle.loads(data)


class SpoolGoneError(LookupError):
    """A return's evidence was asked for after the run that kept it on disk had ended."""


class Spool:
    """A private folder that holds the whole returns of a run, so that the run holds only what
    every output needs of each (its standing: statuses, profile, objectives) and its memory
    does not grow with the evidence of thousands of returns. Reports read each back in turn.

    Removed on `close` (or leaving a `with` block); the system's temporary folder holds it,
    named by the process, so that a spool left by a run that was killed is removed by the next.
    """

    PREFIX = "equality-returns-"

    def __init__(self) -> None:
        _remove_orphans(Path(tempfile.gettempdir()), self.PREFIX)
        self.folder = Path(tempfile.mkdtemp(prefix=f"{self.PREFIX}{os.getpid()}-"))

    def keep(self, ret: Return, index: int) -> Return:
        """Write `ret` whole into the spool as the run's `index`th return; return it holding
        only its standing. A worker process may keep returns into its run's spool."""
        path = self.folder / f"{index:06d}.pickle"
        path.write_bytes(pickle.dumps(ret, protocol=pickle.HIGHEST_PROTOCOL))
        return dataclasses.replace(
            ret, responses=standing(ret.responses), commentary=_NO_ROWS["commentary"], spool=path
        )

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remove_orphans(folder: Path, prefix: str) -> None:
    """Remove the spools in `folder` whose process has ended (killed before it could)."""
    for spool in folder.glob(f"{prefix}*-*"):
        pid = spool.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(spool, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class Standings:
    """What a run keeps of every return it has read: the standing rows (responses and
    objectives), held as a few long arrays a column rather than thousands of small frames (a
    frame costs kilobytes of its own, more than a return's standing rows), and the rest of each
    return packed, in one buffer, until all have arrived. What a run of 4,300 returns holds
    must neither grow with those kilobytes nor be scattered among them: each packed return
    arrives in a block of its own, and thousands of small blocks kept from among the large
    ones freed around them would keep those from going back to the system.

    A worker sends each return packed (`pack`): its rows as codes into the words of each
    column, no pandas objects; `add` puts them into the columns, whose words are shared by
    every return; `open` gives back the return itself, holding no rows."""

    #: Each column's pieces joined into one array this many returns at a time.
    JOIN_EVERY = 256

    def __init__(self) -> None:
        self._tables: dict[str, _Columns] = {"responses": _Columns(), "objectives": _Columns()}
        self._seen: dict[str, dict] = {}
        #: Every packed return's head (the return without its rows, and its problems), one
        #: after another, and where each is: its index -> (start, end).
        self._heads = bytearray()
        self._head_at: dict[int, tuple[int, int]] = {}

    def add(self, packed: Packed) -> None:
        """Take a packed return: its rows into the columns, the rest kept to be opened with
        `open(packed.index)`."""
        start = len(self._heads)
        self._heads += packed.head
        self._head_at[packed.index] = (start, len(self._heads))
        if packed.rows is None:
            return
        for name, columns in pickle.loads(packed.rows).items():
            self._tables[name].add(packed.index, columns, self.JOIN_EVERY)

    def open(self, index: int) -> tuple[Return | None, list]:
        """The return (holding no rows, its maps of cells shared) and problems added as
        `index`; each is opened once."""
        start, end = self._head_at.pop(index)
        with memoryview(self._heads) as heads:
            found, problems = pickle.loads(heads[start:end])
        if not self._head_at:
            self._heads = bytearray()  # every head opened
        if found is not None:
            found.responses = _NO_ROWS["responses"]
            found.objectives = _NO_ROWS["objectives"]
            found.commentary = _NO_ROWS["commentary"]
            found.profile_cells = self._shared(found.profile_cells)
            found.column_letters = self._shared(found.column_letters)
            # Words every return repeats, one object for all (each unpickling makes its own);
            # the profile's long texts stay in the spool, for those who read the return whole.
            found.profile = {
                sys.intern(key): value
                for key, value in found.profile.items()
                if key not in LONG_PROFILE_TEXTS
            }
            for name in ("reporting_year", "framework_edition", "template_version"):
                if type(value := getattr(found, name)) is str:
                    setattr(found, name, sys.intern(value))
        return found, problems

    #: Distinct maps of cells (`_shared`) remembered, at most.
    SHARED_AT_MOST = 64

    def _shared(self, cells: dict) -> dict:
        """One object for each distinct map of where values were found: the returns made from
        one workbook all have the same, a few kilobytes each, which thousands need not repeat
        (no one writes to them)."""
        key = repr(cells)
        if key in self._seen or len(self._seen) < self.SHARED_AT_MOST:
            return self._seen.setdefault(key, cells)
        return cells

    def rows(self, name: str, returns: list[Return], columns: list[str]) -> pd.DataFrame:
        """Table `name` ("responses" or "objectives") of `returns` (taken here), their rows in
        the order of `returns`, in `columns` order (those the standing holds). The store then
        lets its rows of that table go: ask once."""
        table, self._tables[name] = self._tables[name], _Columns()
        order = {_kept_index(ret): place for place, ret in enumerate(returns)}
        return table.frame(order, columns)


class _Columns:
    """One table's rows of many returns, column by column: each text column as integer codes
    into the words it has seen (one list for every return), each other column as its values."""

    def __init__(self) -> None:
        #: The return each run of rows came from (its kept index), and how many rows it has.
        self._keys: list[int] = []
        self._lengths: list[int] = []
        self._parts: dict[str, list[np.ndarray]] = {}
        #: Per column: ("words", word -> code, the dtype it came in) or ("values", None, dtype).
        self._kinds: dict[str, tuple[str, dict | None, object]] = {}
        self._since_join = 0

    def add(self, key: int, columns: dict, join_every: int) -> None:
        length = next((len(data) for *_, data in columns.values()), 0)
        for column in self._parts.keys() - columns.keys():  # a column this return lacks: blank
            columns = {**columns, column: ("values", _OBJECTS, None, _blank(length))}
        for column, (kind, dtype, words, data) in columns.items():
            if column not in self._parts and self._keys:  # new: the returns before lacked it
                self._parts[column] = [_blank(sum(self._lengths))]
                self._kinds[column] = ("values", None, _OBJECTS)
            known = self._kinds.setdefault(column, (kind, {} if kind == "words" else None, dtype))
            if kind == "words" and known[0] == "words":
                codes = known[1]
                lookup = np.array([codes.setdefault(w, len(codes)) for w in words] + [-1])
                data = lookup[data].astype(np.int32)  # -1 (no value) stays -1
            elif kind == "words":  # a column that came as values before: this return's too
                data = _decoded(words, data)
                self._kinds[column] = ("values", None, _OBJECTS)
            elif known[0] == "words":  # values in a column of words so far: all become values
                self._to_values(column)
            elif dtype != known[2]:
                self._kinds[column] = ("values", None, _OBJECTS)
            self._parts.setdefault(column, []).append(data)
        self._keys.append(key)
        self._lengths.append(length)
        self._since_join += 1
        if self._since_join >= join_every:
            self._join()

    def _to_values(self, column: str) -> None:
        words = list(self._kinds[column][1])
        self._parts[column] = [_decoded(words, part) for part in self._parts[column]]
        self._kinds[column] = ("values", None, _OBJECTS)

    def _join(self) -> None:
        for column, parts in self._parts.items():
            kind, codes, _ = self._kinds[column]
            if len(parts) > 1:
                parts = [_concatenated(parts)]
            if kind == "words":  # the smallest integers that hold every code (and -1)
                parts = [parts[0].astype(np.min_scalar_type(-len(codes) - 1))]
            self._parts[column] = parts
        self._since_join = 0

    def frame(self, order: dict[int, int], columns: list[str]) -> pd.DataFrame:
        self._join()
        if not self._keys or not order:
            return pd.DataFrame(columns=columns)
        places = np.full(max(self._keys) + 1, -1, dtype=np.int64)
        for key, place in order.items():
            if key < len(places):
                places[key] = place
        row_places = np.repeat(places[np.array(self._keys)], self._lengths)
        chosen = np.flatnonzero(row_places >= 0)
        chosen = chosen[np.argsort(row_places[chosen], kind="stable")]
        frame = {}
        for column in columns:
            if column not in self._parts:
                continue
            data = _concatenated(self._parts[column])[chosen]
            kind, codes, dtype = self._kinds[column]
            if kind == "words":
                data = _column(data, codes, dtype)
            elif isinstance(dtype, pd.api.extensions.ExtensionDtype):
                data = pd.array(data, dtype=dtype)
            frame[column] = data
        return pd.DataFrame(frame)


_OBJECTS = np.dtype(object)


def _concatenated(parts: list[np.ndarray]) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    kinds = {part.dtype for part in parts}
    if len(kinds) > 1 and not all(kind.kind == "i" for kind in kinds):  # mixed: as objects
        parts = [part.astype(object) for part in parts]
    return np.concatenate(parts)


def _blank(length: int) -> np.ndarray:
    return np.full(length, np.nan, dtype=object)


def _decoded(words: list, codes: np.ndarray) -> np.ndarray:
    """Codes into `words` as an array of the words themselves (-1: no value)."""
    return np.array([*words, np.nan], dtype=object)[codes]


def _column(codes: np.ndarray, known: dict[str, int], dtype) -> pd.Series | pd.Categorical:
    """A column of words from its codes: categories (sorted, with "") when it came as
    categories, else text of the dtype it came in."""
    words = list(known)
    if isinstance(dtype, pd.CategoricalDtype):
        categories = sorted({*words, ""})
        position = {word: place for place, word in enumerate(categories)}
        rank = np.array([position[word] for word in words] + [-1], dtype=np.int32)
        return pd.Categorical.from_codes(rank[codes], dtype=_words_type(frozenset(categories)))
    return pd.Series(_decoded(words, codes), dtype=dtype)


@dataclass(frozen=True)
class Packed:
    """A checked file as a worker sends it back: its return (without rows) and problems as one
    pickle, and the return's standing rows as codes into their words (`pack`)."""

    index: int
    head: bytes
    rows: bytes | None


def pack(found: Return | None, problems: list, index: int) -> Packed:
    """`found` (a kept return, Spool.keep) and its `problems`, packed to be sent to the run;
    `Standings.add` and `Standings.open` unpack it there."""
    if found is None:
        return Packed(index, pickle.dumps((None, problems), pickle.HIGHEST_PROTOCOL), None)
    rows = {name: _encoded(getattr(found, name)) for name in ("responses", "objectives")}
    head = dataclasses.replace(found, responses=None, objectives=None, commentary=None)
    return Packed(
        index,
        pickle.dumps((head, problems), pickle.HIGHEST_PROTOCOL),
        pickle.dumps(rows, pickle.HIGHEST_PROTOCOL),
    )


def _encoded(frame: pd.DataFrame) -> dict:
    """Each column as (kind, dtype, words, data): text as codes into its words, the rest as
    its values."""
    columns = {}
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            words, codes = list(values.cat.categories), values.cat.codes.to_numpy()
        elif values.dtype.kind == "O" or isinstance(values.dtype, pd.StringDtype):
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            words = list(uniques)
        else:
            words = None
        if words is not None and all(isinstance(word, str) for word in words):
            columns[column] = ("words", values.dtype, words, codes.astype(np.int32))
        else:
            columns[column] = ("values", values.dtype, None, values.to_numpy())
    return columns


def _kept_index(ret: Return) -> int:
    """The index a return was kept under (Spool.keep names its file by it)."""
    return int(ret.spool.stem)


#: What a return taken into Standings holds instead of its rows: one empty frame per table,
#: shared by every such return (no one writes to them).
_NO_ROWS = {
    "responses": pd.DataFrame(columns=STANDING_COLUMNS),
    "objectives": pd.DataFrame(columns=OBJECTIVE_COLUMNS),
    "commentary": pd.DataFrame(columns=COMMENTARY_COLUMNS),
}


def standing(responses: pd.DataFrame) -> pd.DataFrame:
    """The STANDING_COLUMNS of `responses`, their words as categories shared between returns
    (a few bytes a row, where each return's own strings take tens of kilobytes)."""
    frame = responses[STANDING_COLUMNS]
    columns = {}
    for column in STANDING_COLUMNS:
        values = frame[column]
        if column in _USUAL_WORDS:
            words = frozenset(values.dropna().unique())
            if all(isinstance(word, str) for word in words):
                values = values.astype(_words_type(words | _USUAL_WORDS[column]))
        elif pd.api.types.is_integer_dtype(values.dtype):
            values = pd.to_numeric(values, downcast="integer")  # a theme: a byte, not eight
        columns[column] = values
    return pd.DataFrame(columns, index=responses.index)


#: The words usually found in each text column of the standing, so that most returns share one
#: set of categories (a return with a word outside it gets a set of its own).
_USUAL_WORDS: dict[str, frozenset[str]] = {
    "opcc_code": frozenset({""}),
    "criterion_id": frozenset({""}),
    "level": frozenset({"", *vocabulary.LEVEL_LADDER}),
    "status": frozenset({"", *vocabulary.STATUSES}),
    "na_reason": frozenset({""}),
    "owner": frozenset({""}),
}


@functools.lru_cache(maxsize=1024)
def _words_type(words: frozenset[str]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(sorted(words))
