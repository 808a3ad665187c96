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

from pipeline import run, vocabulary
from pipeline.demo.generate import (
    DEFAULT_SEED,
    MARKER_NAME,
    describe,
    make_demo_returns,
    make_previous_returns,
)
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
    previous: Path | None = None,
    **options,
) -> run.RunResult:
    """Make a demo set in a scratch folder and run the batch on it, writing OUT/demo-<year>/.

    Unless `previous` names a demo run's output to compare with, the year before is made and
    run first (OUT/demo-<year before>/), so that the reports and the benchmark show progress
    since last year. `options` are passed to `run.run` (template, force, workers, progress...).
    """
    today = generated or dt.date.today()
    demo_year = year or vocabulary.year_for_date(today)
    progress = options.get("progress") or (lambda step, done, total: None)
    members = load_members(members_file)
    scratch = Path(tempfile.mkdtemp(prefix="equality-demo-"))
    try:
        progress("demo", 0, 2)
        made = make_demo_returns(scratch / "returns", seed=seed, year=demo_year, members=members)
        progress("demo", 1, 2)
        earlier = None
        if previous is None:
            earlier = make_previous_returns(
                scratch / "previous", seed=seed, year=demo_year, members=members
            )
            before = run.run(
                earlier.folder,
                out_root,
                year=earlier.year,
                members_file=members_file,
                generated=_year_earlier(today),
                demo=True,
                **{
                    **options,
                    # Last year is there for its record (progress since then): no PDFs of it.
                    "pdf": False,
                    "progress": lambda step, done, total: progress(
                        f"{step} {earlier.year}", done, total
                    ),
                },
            )
            previous = before.out_dir
        progress("demo", 2, 2)
        result = run.run(
            made.folder,
            out_root,
            year=demo_year,
            members_file=members_file,
            generated=generated,
            demo=True,
            previous=previous,
            **options,
        )
        description = describe(made)
        if earlier is not None:
            description += (
                f"\nThe demo also made {len(earlier.paths)} returns for {earlier.year} and ran "
                f"them first ({previous}), so the reports show progress since {earlier.year}."
            )
        return dataclasses.replace(result, demo_description=description)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _year_earlier(day: dt.date) -> dt.date:
    return dt.date(day.year - 1, day.month, min(day.day, 28))
