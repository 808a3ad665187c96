"""A run owns its output folder: what an earlier run made and this one did not is moved aside.

Feedback for a return that is now clean, the report of a member no longer accepted, last run's
e-mail drafts: left where they were, they would sit beside this run's outputs looking current.
They are moved (never deleted) to OUT/<year>/superseded/<YYYYmmdd-HHMMSS>/<same path>. Only files
the tool made are moved: those its manifests record with the bytes it wrote, and -DEMO files in
a real year's folder (leftovers of a demo). An edited file stays where it is, as it always has;
so does anything a person put there, the year record, run.json, manifests and locks.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline import manifest, marks, outputs

SUPERSEDED_FOLDER = "superseded"
#: The folders of OUT/<year>/ whose generated files a run may move, relative to it.
MANAGED_FOLDERS = ("", "reports", "feedback", "drafts")
#: Never moved, wherever they are.
_KEPT_NAMES = {manifest.MANIFEST_NAME, outputs.LOCK_NAME, "run.json"}
#: Names the tool gives its outputs, in the folders above (a -DEMO file is moved by name alone).
_OUTPUT_NAME = re.compile(r".+\.(docx|html|pdf|xlsx|eml)$")
_DEMO_NAME = re.compile(rf".+-{marks.DEMO}(\.new(-\d+)?)?\.[a-z]+$")


@dataclass(frozen=True)
class Moved:
    """One output moved aside: where it was and where it is now, relative to OUT/<year>/."""

    file: str
    moved_to: str


def stamp(now: dt.datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def supersede(
    out_dir: Path, produced: Iterable[Path], *, now: dt.datetime, demo: bool = False
) -> list[Moved]:
    """Move every output of an earlier run that this run did not produce (see module doc).

    `produced`: the paths this run wrote or kept; `now`: the run's clock (the folder's name);
    `demo`: the folder is a demo's, where -DEMO files are its own. Manifests are updated.
    """
    out_dir = Path(out_dir)
    keep = {Path(path).resolve() for path in produced}
    target = out_dir / SUPERSEDED_FOLDER / stamp(now)
    moved: list[Moved] = []
    for folder_name in MANAGED_FOLDERS:
        folder = out_dir / folder_name if folder_name else out_dir
        if not folder.is_dir():
            continue
        records = manifest.Manifest.load(folder)
        changed = False
        for name in _candidates(folder, records, demo):
            path = outputs.inside(folder, name)
            if path.resolve() in keep:
                continue
            relative = path.relative_to(out_dir)
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
            changed |= records.files.pop(name, None) is not None
            moved.append(Moved(relative.as_posix(), destination.relative_to(out_dir).as_posix()))
        if changed:
            records.save()
    return sorted(moved, key=lambda item: item.file)


def _candidates(folder: Path, records: manifest.Manifest, demo: bool) -> list[str]:
    """Names in `folder` the tool made and nobody edited since: recorded with their bytes, or
    -DEMO leftovers in a real year's folder."""
    names = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if not entry.is_file() or entry.is_symlink() or name in _KEPT_NAMES:
            continue
        if outputs.is_temporary(name) or not _OUTPUT_NAME.match(name):
            continue
        if name in records.files:
            if not records.is_edited(name):
                names.append(name)
        elif not demo and _DEMO_NAME.match(name):
            names.append(name)
    return names
