"""Never lose an edit: a record of the files we generated in a folder, and what their bytes were.

People edit generated files (communications staff edit the Word reports) and then someone re-runs
the batch. Before replacing a file we compare it with the hash recorded when we wrote it: a file
that changed since, or that we never recorded, is someone's work, so it stays and the new file is
written beside it. `force=True` overwrites it instead.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline import outputs

MANIFEST_NAME = ".equality-manifest.json"
MANIFEST_VERSION = 1

Status = Literal["written", "unchanged", "kept-edited", "overwritten"]


class ManifestError(OSError):
    """A manifest that cannot be read or written; the message says which file and what to do."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one generated file: `path` is where the new content now is."""

    name: str
    path: Path
    status: Status
    message: str


class Manifest:
    """The manifest of one output folder: file name (relative, '/'-separated) -> sha256."""

    def __init__(self, folder: Path, files: dict[str, str] | None = None) -> None:
        self.folder = Path(folder)
        self.files: dict[str, str] = dict(files or {})

    @property
    def path(self) -> Path:
        return self.folder / MANIFEST_NAME

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        """The folder's manifest, or an empty one when there is none yet."""
        path = Path(folder) / MANIFEST_NAME
        if not path.exists():
            return cls(folder)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = data["files"]
            if not isinstance(files, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in files.items()
            ):
                raise TypeError("'files' must map file names to hashes")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ManifestError(
                f"{path}: the record of generated files cannot be read ({exc}). Without it, "
                "edited files cannot be told apart from generated ones; restore it, or delete it "
                "to treat every existing file as edited (they will all be kept)."
            ) from exc
        return cls(folder, files)

    def save(self) -> Path:
        """Write the manifest atomically with sorted keys: it never half-saves and diffs well."""
        text = json.dumps(
            {"version": MANIFEST_VERSION, "files": self.files}, indent=2, sort_keys=True
        )
        return outputs.write_bytes_atomically(self.path, (text + "\n").encode("utf-8"))

    def is_edited(self, name: str) -> bool:
        """True when the file exists and is not byte-for-byte what we last wrote there."""
        path = outputs.inside(self.folder, name)
        if not path.exists():
            return False
        recorded = self.files.get(name)
        return recorded is None or recorded != outputs.sha256_file(path)

    def write(self, name: str, write: Callable[[Path], object], *, force: bool = False) -> Outcome:
        """Generate `name` with `write(path)` unless that would lose an edit (see module doc).

        The manifest is updated in memory; call `save()` once the batch is done.
        """
        tmp = self.temporary(name)
        try:
            write(tmp)
            return self.place(name, tmp, force=force)
        finally:
            tmp.unlink(missing_ok=True)

    def write_all(
        self,
        jobs: Sequence[tuple[str, Callable[[Path], object]]],
        executor: Executor | None = None,
        *,
        force: bool = False,
    ) -> list[Outcome]:
        """`write` of each (name, write) job, the writing done on `executor` when there is one
        and each file placed here, in order, as it is done. A job that fails there for any
        reason but the disk is written again here, to meet the failure itself (an lxml error
        cannot travel back from a worker process)."""
        if executor is None:
            return [self.write(name, write, force=force) for name, write in jobs]
        pending = []
        try:
            for name, write in jobs:
                tmp = self.temporary(name)
                pending.append((name, write, tmp, executor.submit(write, tmp)))
            outcomes = []
            for name, write, tmp, future in pending:
                try:
                    future.result()
                except OSError:
                    raise
                except Exception:
                    write(tmp)
                outcomes.append(self.place(name, tmp, force=force))
            return outcomes
        finally:
            futures = [future for *_, future in pending]
            for future in futures:
                future.cancel()
            wait(futures)  # none still writing into a temporary removed here
            for _, _, tmp, _ in pending:
                tmp.unlink(missing_ok=True)

    def temporary(self, name: str) -> Path:
        """A new empty temporary beside where `name` goes, for `place` to move there once it is
        written (elsewhere, by another process, say); a killed run's are removed by the next."""
        target = outputs.inside(self.folder, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(
            prefix=f"{outputs.TEMP_PREFIX}new.", suffix=target.suffix, dir=target.parent
        )
        os.close(handle)
        return Path(tmp_name)

    def place(self, name: str, tmp: Path, *, force: bool = False) -> Outcome:
        """Move the written file `tmp` (in this folder's file system: from `temporary`, say) to
        `name`, unless that would lose an edit: then beside it (see module doc). `tmp` is gone
        afterwards, whatever happens."""
        target = outputs.inside(self.folder, name)
        try:
            digest = outputs.sha256_file(tmp)
            edited = self.is_edited(name)
            if target.exists() and outputs.sha256_file(target) == digest:
                self.files[name] = digest
                return Outcome(name, target, "unchanged", f"{name}: unchanged.")
            if not edited:
                os.replace(tmp, target)
                self.files[name] = digest
                return Outcome(name, target, "written", f"{name}: written.")
            if force:
                os.replace(tmp, target)
                self.files[name] = digest
                return Outcome(
                    name,
                    target,
                    "overwritten",
                    f"{name}: overwritten (--force); the edits made to it since it was generated "
                    "are gone.",
                )
            beside = self._beside(name, digest)
            beside_path = outputs.inside(self.folder, beside)
            os.replace(tmp, beside_path)
            self.files[beside] = digest
            return Outcome(
                beside,
                beside_path,
                "kept-edited",
                f"{name} was changed after it was generated, so it was left as it is. The new "
                f"version is {beside}: copy across what you need, or run again with --force to "
                f"overwrite {name}.",
            )
        finally:
            tmp.unlink(missing_ok=True)

    def _beside(self, name: str, digest: str) -> str:
        """The first free `<stem>.new[-N]<suffix>` that holds no edit of its own."""
        stem, dot, suffix = name.rpartition(".")
        stem, suffix = (stem, dot + suffix) if dot else (name, "")
        number = 1
        while True:
            candidate = f"{stem}.new{'' if number == 1 else f'-{number}'}{suffix}"
            path = outputs.inside(self.folder, candidate)
            if (
                not path.exists()
                or not self.is_edited(candidate)
                or outputs.sha256_file(path) == digest
            ):
                return candidate
            number += 1
