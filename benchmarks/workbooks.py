"""How fast is `make workbooks` (all 43 members), against the floor of saving 43 tiny workbooks?

Runs the command `make workbooks` runs, `equality workbook --all`, in a fresh process writing to a
temporary folder (so the timing includes start-up, as a user sees it), then times each workbook
built and saved in this process, and the floor: saving a one-cell openpyxl workbook once per
member. Prints wall time, time per workbook and the ratio to the floor, against the target of
under 2 s for all 43.

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


def library_seconds(out_dir: Path) -> list[float]:
    """Seconds to build and save each member's workbook, in this process."""
    frame = members.load_members()
    edition = framework.load()
    day = dt.date.fromisoformat(GENERATED)
    times = []
    for member in frame.to_dict("records"):
        start = time.perf_counter()
        workbook.generate_workbook(member, "2025-26", out_dir, framework=edition, generated=day)
        times.append(time.perf_counter() - start)
    return times


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
        per_workbook = library_seconds(root / "library")
        floor = floor_seconds(root / "floor", len(per_workbook))
    built = sum(per_workbook)
    print(f"equality workbook --all: {written} workbooks in {wall:.2f} s (fresh process)")
    print(
        f"in process: {built:.2f} s, per workbook median {statistics.median(per_workbook):.3f} s, "
        f"max {max(per_workbook):.3f} s"
    )
    count = len(per_workbook)
    print(f"floor (one-cell workbook x {count}): {floor:.2f} s; ratio {built / floor:.1f}x")
    met = wall < TARGET_SECONDS
    print(f"target under {TARGET_SECONDS:.0f} s for all members: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
