"""How fast is `equality run`, against the floor of reading the returns and writing reports?

Builds the demo set of 43 returns and a set of 430 (every demo return ten times, as copies in ten
sub-folders: nine of each member's are superseded), then times `equality run` on each in a fresh
process, and the I/O floor on the same files: an openpyxl read-only load of every return plus saving
one minimal .docx per return. Prints wall time, returns per second, the ratio to the floor and the
peak memory, against the targets (2 cores): 43 returns under 20 s; at most 3x the floor; 430 returns
in at most 10.5x the time of 43; peak memory under 500 MB. It also runs one return with a cell
typed in the sheet's last row and column (a used range of 17 billion cells) beside the same return
without it: memory per return must stay bounded (at most 1.2x the plain return's peak).

    .venv/bin/python benchmarks/batch.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx
import openpyxl

from pipeline import demo

TARGET_SECONDS_43 = 20.0
TARGET_FLOOR_RATIO = 3.0
TARGET_SCALE_RATIO = 10.5
TARGET_PEAK_MB = 500.0
TARGET_HUGE_RANGE_RATIO = 1.2


def huge_range_peaks(source: Path, scratch: Path) -> tuple[float, float]:
    """(peak MB of a run on one return, of a run on it with a cell at XFD1048576)."""
    plain, huge = scratch / "plain", scratch / "huge"
    plain.mkdir()
    huge.mkdir()
    shutil.copy2(source, plain / source.name)
    book = openpyxl.load_workbook(source)
    book.worksheets[2].cell(row=1_048_576, column=16_384).value = "typed far away"
    book.save(huge / source.name)
    return (
        timed_run(plain, scratch / "out-plain")[1],
        timed_run(huge, scratch / "out-huge")[1],
    )


def io_floor(paths: list[Path], scratch: Path) -> float:
    """Seconds to load every return read-only and save one minimal .docx per return."""
    start = time.perf_counter()
    for index, path in enumerate(paths):
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            for _ in sheet.iter_rows(values_only=True):
                pass
        book.close()
        document = docx.Document()
        document.add_paragraph(path.stem)
        document.save(scratch / f"floor-{index}.docx")
    return time.perf_counter() - start


def tree_pss_kb(root: int) -> int:
    """Memory of a process and all its descendants, from /proc (Linux).

    PSS (proportional set size) shares each page among the processes that map it, so forked
    workers are not counted twice for the pages they share with the parent.
    """
    parents: dict[int, int] = {}
    pss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            rollup = (entry / "smaps_rollup").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        pss[int(entry.name)] = next(
            (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0
        )
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(pss.get(pid, 0) for pid in tree)


def timed_run(input_dir: Path, out_dir: Path) -> tuple[float, float]:
    """(seconds, peak MB of the run with its worker processes) for `equality run`, sampled."""
    command = [sys.executable, "-m", "pipeline.cli", "run", str(input_dir), "--out", str(out_dir)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, tree_pss_kb(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"equality run failed with exit code {process.returncode}")
    return seconds, peak_kb / 1024


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="equality-bench-"))
    try:
        small = scratch / "returns-43"
        demo.make_demo_returns(small)
        small_files = sorted(small.rglob("*.xlsx"))
        large = scratch / "returns-430"
        for copy in range(10):
            shutil.copytree(small, large / f"copy-{copy:02d}")
        large_files = sorted(large.rglob("*.xlsx"))

        rows = []
        for label, folder, files in (("43", small, small_files), ("430", large, large_files)):
            floor_dir = scratch / f"floor-{label}"
            floor_dir.mkdir()
            floor = io_floor(files, floor_dir)
            seconds, peak = timed_run(folder, scratch / f"out-{label}")
            rows.append((label, len(files), seconds, floor, peak))

        header = ("set", "files", "run s", "per s", "floor s", "x floor", "peak MB")
        print(" ".join(f"{h:>8}" for h in header))
        for label, count, seconds, floor, peak in rows:
            print(
                f"{label:>8} {count:>8} {seconds:>8.1f} {count / seconds:>8.1f} "
                f"{floor:>8.1f} {seconds / floor:>8.2f} {peak:>8.0f}"
            )
        (_, _, small_s, small_floor, small_peak), (_, _, large_s, _, large_peak) = rows
        plain_peak, huge_peak = huge_range_peaks(small_files[0], scratch)
        print(f"one return: {plain_peak:.0f} MB; with a cell at XFD1048576: {huge_peak:.0f} MB")
        checks = [
            (f"43 returns in under {TARGET_SECONDS_43:.0f} s", small_s < TARGET_SECONDS_43),
            (
                f"at most {TARGET_FLOOR_RATIO:.0f}x the I/O floor (43 returns)",
                small_s / small_floor <= TARGET_FLOOR_RATIO,
            ),
            (
                f"430 returns in at most {TARGET_SCALE_RATIO}x the time of 43 "
                f"(measured {large_s / small_s:.1f}x)",
                large_s / small_s <= TARGET_SCALE_RATIO,
            ),
            (
                f"peak memory under {TARGET_PEAK_MB:.0f} MB",
                max(small_peak, large_peak) < TARGET_PEAK_MB,
            ),
            (
                f"a huge used range within {TARGET_HUGE_RANGE_RATIO}x of a plain return's peak",
                huge_peak <= TARGET_HUGE_RANGE_RATIO * plain_peak,
            ),
        ]
        for text, ok in checks:
            print(f"{'met   ' if ok else 'MISSED'} {text}")
        return 0 if all(ok for _, ok in checks) else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
