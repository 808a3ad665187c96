"""Shared fixtures: the framework, the members, generated workbooks, LibreOffice recalculation."""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import GENERATED

from pipeline import charts, framework, members, workbook

#: The modules that take longest (their fixtures run whole batches, or LibreOffice), longest
#: first. `make test` hands whole modules to its workers in collection order
#: (--no-loadscope-reorder), so these start first and the short ones fill in around them,
#: instead of one long module starting last while the other worker has nothing left to do.
SLOWEST_FIRST = (
    "test_hostile",
    "test_faults",
    "test_run",
    "test_pdf",
    "test_report",
    "test_html",
    "test_demo",
    "test_workbook",
    "test_second_year",
    "test_demo_run",
    "test_progress",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest modules first (see SLOWEST_FIRST); the others keep their order."""
    rank = {name: place for place, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))


def session_folder(tmp_path_factory) -> Path:
    """The folder of this session that all its workers (pytest-xdist) see."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def chart_frames(tmp_path_factory) -> Path:
    """The charts' frames are kept for this session only (never in the user's cache folder),
    in one folder for all its workers and the runs they start in other processes."""
    folder = session_folder(tmp_path_factory) / "chart-frames"
    os.environ[charts.CACHE_VARIABLE] = str(folder)
    return folder


@pytest.fixture(scope="session")
def national_demo(tmp_path_factory):
    """The national demo set (every member, the default seed, 2025-26), made once a session for
    all its workers: the first to ask makes it under a lock, the others read what it says it
    made. Tests read it and never write into its folder."""
    from pipeline import demo

    shared = session_folder(tmp_path_factory)
    described = shared / "national-demo.pickle"
    with open(shared / "national-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not described.is_file():
            made = demo.make_demo_returns(shared / "national-demo", year="2025-26")
            partial = described.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(made))
            partial.replace(described)
        return pickle.loads(described.read_bytes())


@pytest.fixture(scope="session")
def fw() -> framework.Framework:
    return framework.load()


@pytest.fixture(scope="session")
def member_list():
    return members.load_members()


@pytest.fixture
def make_workbook(tmp_path: Path, member_list) -> Callable[..., Path]:
    """Factory: `make_workbook(code="west-midlands", year="2025-26")` -> a generated workbook."""
    by_code = member_list.set_index("code", drop=False)

    def make(code: str = "west-midlands", year: str = "2025-26", **options) -> Path:
        options.setdefault("generated", GENERATED)
        out_dir = tmp_path / "workbooks" / year
        return workbook.generate_workbook(by_code.loc[code].to_dict(), year, out_dir, **options)

    return make
