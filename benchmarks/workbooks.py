"""How fast is `make workbooks` (all 43 members), against the floor of saving 43 tiny workbooks?

Runs the command `make workbooks` runs, `equality workbook --all`, in a fresh process writing to a
temporary folder (so the timing includes start-up, as a user sees it). Then, in this process:
`generate_workbooks` for every member (one template built and saved, then a copy per member),
one workbook built in full with openpyxl (what the template costs, and what a member whose text
a copy cannot show costs), and the floor: saving a one-cell openpyxl workbook once per member.
Prints wall times and the ratio to the floor, against the target of under 2 s for all 43.

    .venv/bin/python benchmarks/workbooks.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from pipeline import framework, members, workbook

TARGET_SECONDS = 2.0
GENERATED = "2025-04-01"
#: Workbooks built in full with openpyxl, for the per-workbook figure.
FULL_BUILDS = 5


def command_seconds(out_dir: Path) -> tuple[float, int]:
    """Wall time of `equality workbook --all` in a new process, and the files it wrote."""
    equality = Path(sys.executable).with_name("equality")
    start = time.perf_counter()
    subprocess.run(
        [str(equality), "workbook", "--all", "--out", str(out_dir), "--date", GENERATED],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start, len(list(out_dir.glob("*.xlsx")))


def library_seconds(out_dir: Path) -> tuple[float, int, list[float]]:
    """Seconds for `generate_workbooks` of every member in this process, how many it wrote, and
    the seconds to build and save each of a few members' workbooks in full."""
    frame = members.load_members()
    edition = framework.load()
    day = dt.date.fromisoformat(GENERATED)
    start = time.perf_counter()
    paths = workbook.generate_workbooks(
        frame, None, "2025-26", out_dir / "all", framework=edition, generated=day
    )
    copies = time.perf_counter() - start
    times = []
    for member in frame.head(FULL_BUILDS).to_dict("records"):
        start = time.perf_counter()
        workbook.generate_workbook(
            member, "2025-26", out_dir / "full", framework=edition, generated=day
        )
        times.append(time.perf_counter() - start)
    return copies, len(paths), times


def floor_seconds(out_dir: Path, count: int) -> float:
    """Seconds to save `count` one-cell workbooks: what any openpyxl writer pays."""
    start = time.perf_counter()
    for index in range(count):
        book = openpyxl.Workbook()
        book.active["A1"] = index
        book.save(out_dir / f"floor-{index}.xlsx")
    return time.perf_counter() - start


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-workbooks-") as scratch:
        root = Path(scratch)
        for name in ("command", "library", "floor"):
            (root / name).mkdir()
        wall, written = command_seconds(root / "command")
        copies, count, full = library_seconds(root / "library")
        floor = floor_seconds(root / "floor", count)
    print(f"equality workbook --all: {written} workbooks in {wall:.2f} s (fresh process)")
    print(f"in process: {count} workbooks in {copies:.2f} s (one template, then copies)")
    print(
        f"one workbook built in full: median {statistics.median(full):.3f} s "
        f"of {len(full)}, max {max(full):.3f} s"
    )
    print(f"floor (one-cell workbook x {count}): {floor:.2f} s; ratio {copies / floor:.1f}x")
    met = wall < TARGET_SECONDS
    print(f"target under {TARGET_SECONDS:.0f} s for all members: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
