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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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
    """The standing rows (responses and objectives) of every return a run has kept, held as a
    few large frames rather than thousands of small ones: a frame costs kilobytes of its own,
    more than a return's standing rows, and the rows of 4,300 returns must fit in a few MB."""

    #: Frames joined into one (and their words made categories again) this many at a time;
    #: the joined pieces are joined once more only when the rows are asked for.
    JOIN_EVERY = 256
    _KEY = "_kept"

    def __init__(self) -> None:
        self._pending: dict[str, list[pd.DataFrame]] = {"responses": [], "objectives": []}
        self._joined: dict[str, list[pd.DataFrame]] = {"responses": [], "objectives": []}
        self._seen: dict[str, dict] = {}

    def take(self, ret: Return) -> Return:
        """Move a kept return's rows (Spool.keep) into this store; return it without them."""
        key = _kept_index(ret)
        for name in self._pending:
            frame = getattr(ret, name)
            self._pending[name].append(frame.assign(**{self._KEY: key}))
            if len(self._pending[name]) >= self.JOIN_EVERY:
                self._join(name)
        return dataclasses.replace(
            ret,
            responses=_NO_ROWS["responses"],
            objectives=_NO_ROWS["objectives"],
            commentary=_NO_ROWS["commentary"],
            profile_cells=self._shared(ret.profile_cells),
            column_letters=self._shared(ret.column_letters),
        )

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
        self._join(name)
        order = {_kept_index(ret): place for place, ret in enumerate(returns)}
        frames, self._joined[name] = self._joined[name], []
        if not frames or not order:
            return pd.DataFrame(columns=columns)
        frame = _joined(frames)
        del frames
        place = frame[self._KEY].map(order)
        frame = frame[place.notna()].assign(**{self._KEY: place[place.notna()]})
        frame = frame.sort_values(self._KEY, kind="stable", ignore_index=True)
        return frame[[column for column in columns if column in frame.columns]]

    def _join(self, name: str) -> None:
        if self._pending[name]:
            self._joined[name].append(_joined(self._pending[name]))
            self._pending[name] = []


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


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames as one, each text column of words kept as categories (with ""): concatenating
    categories that differ would give plain text, eight bytes a row and more."""
    frames = [frame for frame in frames if len(frame)] or frames[:1]
    joined = pd.concat(frames, ignore_index=True)
    for column in joined.columns:
        parts = [frame[column] for frame in frames]
        if all(isinstance(part.dtype, pd.CategoricalDtype) for part in parts):
            words = frozenset().union(*(part.cat.categories for part in parts))
            joined[column] = joined[column].astype(_words_type(words | {""}))
    return joined


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
