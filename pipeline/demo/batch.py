"""The demo run: the batch on a fresh demo set, its outputs kept apart from real ones.

`equality run` (and `make report`) with the default `input/` holding nothing but its README runs
this instead of the batch, so a new user sees every output. The set is made in a scratch folder
that is removed afterwards; the outputs go to `OUT/demo-<year>/`, never `OUT/<year>/`, and every
one says DEMO.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from pipeline import run, workbook
from pipeline.demo.generate import DEFAULT_SEED, MARKER_NAME, describe, make_demo_returns
from pipeline.members import load_members

#: The batch's default input folder: the only one whose emptiness starts the demo.
DEFAULT_INPUT = run.DEFAULT_INPUT
README_NAME = "README.md"


def holds_only_readme(folder: Path) -> bool:
    """Whether `folder` exists and holds no file but its own README.md (and hidden files, such as
    the .DS_Store an operating system leaves): nothing a person put there to be checked."""
    folder = Path(folder)
    if not folder.is_dir():
        return False
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if relative != Path(README_NAME):
            return False
    return True


def made_by_demo(folder: Path) -> bool:
    """Whether `folder` was made by `equality demo` (it holds the demo's marker file): its
    returns are invented, so a run on it is a demo run, whatever folder it was named as."""
    return (Path(folder) / MARKER_NAME).is_file()


def run_demo(
    out_root: Path,
    *,
    year: str | None = None,
    seed: int = DEFAULT_SEED,
    members_file: Path | None = None,
    generated: dt.date | None = None,
    **options,
) -> run.RunResult:
    """Make a demo set in a scratch folder and run the batch on it, writing OUT/demo-<year>/.

    `options` are passed to `run.run` (template, force, workers, progress...).
    """
    demo_year = year or workbook.default_year(generated or dt.date.today())
    progress = options.get("progress") or (lambda step, done, total: None)
    scratch = Path(tempfile.mkdtemp(prefix="equality-demo-"))
    try:
        progress("demo", 0, 1)
        made = make_demo_returns(
            scratch / "returns", seed=seed, year=demo_year, members=load_members(members_file)
        )
        progress("demo", 1, 1)
        result = run.run(
            made.folder,
            out_root,
            year=demo_year,
            members_file=members_file,
            generated=generated,
            demo=True,
            **options,
        )
        return dataclasses.replace(result, demo_description=describe(made))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
