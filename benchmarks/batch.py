"""How fast is `equality run`, against the true floor of reading the returns and writing reports?

Builds the demo set of 43 returns and a large set (default 4,300: 100 batches of 43 members made
up for the benchmark from the real list, `kent-b007` for Kent in batch 7, in a member list of
their own, each batch made by the demo generator with its own seed in its own sub-folder, so
every file is distinct and every return is a member's own), then times `equality run` on each
in a fresh process, sampling the PSS of the run and all its workers from
/proc/<pid>/smaps_rollup, and the floor on the same files: every sheet's values read with
python-calamine, plus each report the run wrote parsed and written back directly with lxml into a
zip (the same document XML and parts, with no python-docx). Targets (2 cores): 43 returns within
3x that floor and under 6 s; the large set linear, within 10% per return of the 43 figure; peak
memory under 300 MB at both sizes. It also runs one return with a cell typed in the sheet's last
row and column (a used range of 17 billion cells) beside the same return without it: memory per
return must stay bounded (at most 1.2x the plain return's peak).

    .venv/bin/python benchmarks/batch.py           # 43 and 4,300 (the large set is cached)
    .venv/bin/python benchmarks/batch.py --quick   # 43 only
    .venv/bin/python benchmarks/batch.py --seeds 10   # 43 and 430

In the large set each batch has its members' usual mix (one sends nothing, one is rejected, one
sends a draft and then its final return, some have warnings), so it gets reports in the same
proportion as the 43; the run gets the invented member list with --members.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from lxml import etree

from pipeline import demo
from pipeline.members import load_members, welsh_codes

TARGET_SECONDS_43 = 6.0
TARGET_FLOOR_RATIO = 3.0
#: The large set's time per return, at most this times the 43's.
TARGET_PER_RETURN_RATIO = 1.1
TARGET_PEAK_MB = 300.0
LARGE_SEEDS = 100
CACHE = Path(tempfile.gettempdir()) / "equality-bench-large"
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


def read_floor(paths: list[Path]) -> float:
    """Seconds to read every sheet's values of every return with python-calamine."""
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    for path in paths:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()
    return time.perf_counter() - start


def write_floor(reports: list[Path], scratch: Path) -> float:
    """Seconds to write each report's parts again directly: XML parsed and serialised with lxml,
    every part into a new zip (the parts are read before the clock starts)."""
    parts = []
    for report in reports:
        with zipfile.ZipFile(report) as package:
            parts.append([(name, package.read(name)) for name in package.namelist()])
    start = time.perf_counter()
    for index, members in enumerate(parts):
        with zipfile.ZipFile(scratch / f"floor-{index}.docx", "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in members:
                if name.endswith((".xml", ".rels")):
                    data = etree.tostring(
                        etree.fromstring(data),
                        xml_declaration=True,
                        encoding="UTF-8",
                        standalone=True,
                    )
                out.writestr(name, data)
    return time.perf_counter() - start


def invented_members(batches: int) -> pd.DataFrame:
    """`batches` copies of the member list with codes and names made distinct per batch."""
    real = load_members()
    copies = []
    for batch in range(batches):
        copy = real.copy()
        copy["code"] = real["code"] + f"-b{batch:03d}"
        for column in ("force_area", "policing_body"):
            copy[column] = real[column] + f" (batch {batch})"
        copy["welsh"] = real["code"].isin(welsh_codes()).map({True: "yes", False: "no"})
        copy["previous_codes"] = ""
        copies.append(copy)
    return pd.concat(copies, ignore_index=True)


def large_set(count: int) -> tuple[Path, Path]:
    """(folder, member list): `count` batches of 43 invented members' returns, one batch per
    sub-folder with its own seed, and the list of those members; cached between runs."""
    root = CACHE / f"members-{count}"
    folder, listed = root / "returns", root / "members.csv"
    done = root / ".complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        members = invented_members(count)
        folder.mkdir(parents=True)
        members.to_csv(listed, index=False)
        for batch in range(count):
            part = members[members["code"].str.endswith(f"-b{batch:03d}")]
            demo.make_demo_returns(
                folder / f"batch-{batch:03d}",
                seed=1000 + batch,
                members=part.reset_index(drop=True),
            )
        done.touch()
    return folder, listed


def tree_pss_kb(root: int) -> int:
    """Memory of a process and all its descendants, from /proc (Linux).

    PSS (proportional set size) shares each page among the processes that map it, so forked
    workers are not counted twice for the pages they share with the parent. The tree is walked
    through each thread's `children` list, not by reading every process on the machine (which
    took a tenth of a core from the run being measured, at a sample every 50 ms).
    """
    tree, frontier = [root], [root]
    while frontier:
        children = _children(frontier.pop())
        tree += children
        frontier += children
    total = 0
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next(
            (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0
        )
    return total


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def timed_run(input_dir: Path, out_dir: Path, members: Path | None = None) -> tuple[float, float]:
    """(seconds, peak MB of the run with its worker processes) for `equality run`, sampled."""
    command = [sys.executable, "-m", "pipeline.cli", "run", str(input_dir), "--out", str(out_dir)]
    if members is not None:
        command += ["--members", str(members)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, tree_pss_kb(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"  {input_dir.name}: {seconds:.1f} s wall, CPU of the run and its workers so far "
        f"in this script {cpu.ru_utime + cpu.ru_stime:.1f} s"
    )
    if process.returncode != 0:
        raise SystemExit(f"equality run failed with exit code {process.returncode}")
    return seconds, peak_kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Time `equality run` on 43 returns and on a large set against the true "
        "floor, with peak memory; exits 1 when a target is missed.",
        epilog="The large set (100 seeds: 4,300 returns) is made once and cached in "
        f"{CACHE}; the full run takes about ten minutes on 2 cores.",
    )
    parser.add_argument("--quick", action="store_true", help="the 43 returns only")
    parser.add_argument(
        "--seeds",
        type=int,
        default=LARGE_SEEDS,
        help=f"batches of 43 in the large set (default {LARGE_SEEDS}: 4,300 returns)",
    )
    options = parser.parse_args()
    quick, seeds = options.quick, options.seeds
    scratch = Path(tempfile.mkdtemp(prefix="equality-bench-"))
    try:
        small = scratch / "returns-43"
        demo.make_demo_returns(small)
        sets = [("43", small, None)]
        if not quick:
            sets.append((f"{seeds}x43", *large_set(seeds)))

        rows = []
        for label, folder, members in sets:
            files = sorted(folder.rglob("*.xlsx"))
            out = scratch / f"out-{label}"
            seconds, peak = timed_run(folder, out, members)
            floor_dir = scratch / f"floor-{label}"
            floor_dir.mkdir()
            reports = sorted(out.rglob("reports/*.docx"))
            floor = read_floor(files) + write_floor(reports, floor_dir)
            rows.append((label, len(files), len(reports), seconds, floor, peak))

        header = ("set", "files", "reports", "run s", "ms/file", "floor s", "x floor", "peak MB")
        print(" ".join(f"{h:>8}" for h in header))
        for label, count, reports, seconds, floor, peak in rows:
            print(
                f"{label:>8} {count:>8} {reports:>8} {seconds:>8.1f} "
                f"{1000 * seconds / count:>8.0f} {floor:>8.2f} {seconds / floor:>8.1f} {peak:>8.0f}"
            )
        _, small_count, _, small_s, small_floor, small_peak = rows[0]
        plain_peak, huge_peak = huge_range_peaks(sorted(small.rglob("*.xlsx"))[0], scratch)
        print(f"one return: {plain_peak:.0f} MB; with a cell at XFD1048576: {huge_peak:.0f} MB")
        checks = [
            (f"43 returns in under {TARGET_SECONDS_43:.0f} s", small_s < TARGET_SECONDS_43),
            (
                f"at most {TARGET_FLOOR_RATIO:.0f}x the floor (43: calamine read, lxml write)",
                small_s / small_floor <= TARGET_FLOOR_RATIO,
            ),
            (
                f"peak memory under {TARGET_PEAK_MB:.0f} MB (43)",
                small_peak < TARGET_PEAK_MB,
            ),
            (
                f"a huge used range within {TARGET_HUGE_RANGE_RATIO}x of a plain return's peak",
                huge_peak <= TARGET_HUGE_RANGE_RATIO * plain_peak,
            ),
        ]
        if len(rows) > 1:
            _, large_count, _, large_s, _, large_peak = rows[1]
            ratio = (large_s / large_count) / (small_s / small_count)
            checks += [
                (
                    f"the large set within {TARGET_PER_RETURN_RATIO}x the time per return of 43 "
                    f"(measured {ratio:.2f}x)",
                    ratio <= TARGET_PER_RETURN_RATIO,
                ),
                (f"peak memory under {TARGET_PEAK_MB:.0f} MB (large)", large_peak < TARGET_PEAK_MB),
            ]
        for text, ok in checks:
            print(f"{'met   ' if ok else 'MISSED'} {text}")
        return 0 if all(ok for _, ok in checks) else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
