"""Faults around the batch, with real processes: kill -9, a full disk, two runs on one folder.

Each test runs `equality run` in a subprocess on a few returns with warnings (each gets a report
and a feedback workbook) and checks the promise: exit codes mean what the README says, earlier
outputs survive, no temporary file is left, and the next run completes.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from corpus import YEAR, _Maker

from pipeline import members, outputs
from pipeline.report import report_name

#: English members only: one report each keeps the dozen runs short (Welsh runs: test_welsh).
MEMBERS = ("kent", "essex", "dorset")
RUN = ["--year", YEAR, "--date", "2026-05-01"]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("faults")
    folder = root / "input"
    folder.mkdir()
    make = _Maker(folder, root / "scratch")
    for code in MEMBERS:
        make.filled(code, statuses={"1.1.a": "Mett"})
    return folder


@pytest.fixture(scope="module")
def finished(inbox, tmp_path_factory) -> Path:
    """The output folder of one completed run, for the tests that start from earlier outputs."""
    out = tmp_path_factory.mktemp("finished") / "out"
    code, said = finish(start(inbox, out))
    assert code == 0, said
    assert_complete(out)
    return out


def earlier_outputs(finished: Path, out: Path) -> dict[str, str]:
    """`out` as the completed run left it (copied, times kept); its files' digests."""
    shutil.copytree(finished, out, copy_function=shutil.copy2)
    return digests(out)


def start(inbox: Path, out: Path, limit: int | None = None) -> subprocess.Popen:
    """`equality run` in its own process group; `limit` caps the size of any file it writes."""

    def cap() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails (EFBIG)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-m", "pipeline.cli", "run", str(inbox), "--out", str(out), *RUN]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=cap,
        env={**os.environ, "COLUMNS": "200"},
    )


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, " ".join(output.split())


def temporaries(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if outputs.is_temporary(p.name))


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != outputs.LOCK_NAME
    }


def assert_complete(out: Path) -> None:
    year = out / YEAR
    for code in MEMBERS:
        # A Welsh member (gwent) gets its report in Welsh and in English.
        languages = ("cy", "en") if code in members.welsh_codes() else (None,)
        for language in languages:
            assert (year / "reports" / report_name(code, YEAR, language)).is_file()
        assert (year / "feedback" / f"{code}-feedback.xlsx").is_file()
    for name in ("validation-summary.xlsx", f"equality-benchmark-{YEAR}.xlsx", "run.json"):
        assert (year / name).is_file()
    assert temporaries(out) == []


def wait_for(process: subprocess.Popen, seen, timeout: float = 240) -> bool:
    """Poll until `seen()` holds (True) or the process ends first (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and process.poll() is None:
        if seen():
            return True
        time.sleep(0.002)
    return False


def _hidden_in(folder: Path, prefix: str) -> bool:
    try:
        return any(name.startswith(prefix) for name in os.listdir(folder))
    except FileNotFoundError:
        return False


POINTS = {
    "validating": lambda out: (out / outputs.LOCK_NAME).exists(),
    "rendering": lambda out: _hidden_in(out / YEAR / "reports", outputs.TEMP_PREFIX),
    "feedback": lambda out: _hidden_in(out / YEAR / "feedback", outputs.TEMP_PREFIX),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_9_leaves_nothing_that_the_next_run_does_not_clean(inbox, tmp_path, point):
    out = tmp_path / "out"
    process = start(inbox, out)
    reached = wait_for(process, lambda: POINTS[point](out))
    if not reached:
        finish(process)
        pytest.skip(f"the run finished before it reached {point} (too fast to interrupt)")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    if point != "validating":
        assert temporaries(out)  # the kill really left debris behind
    stale, mine = stale_and_mine(out)
    code, said = finish(start(inbox, out))
    assert code == 0, said
    assert not any(path.exists() for path in stale)
    assert all(path.read_bytes() == b"someone's file" for path in mine)
    assert_complete(out)


def stale_and_mine(out: Path) -> tuple[list[Path], list[Path]]:
    """Temporaries an earlier version of the tool left behind, and files of a person's own that
    look like them: the next run removes the first and nothing else."""
    reports, feedback = out / YEAR / "reports", out / YEAR / "feedback"
    for folder in (reports, feedback):
        folder.mkdir(parents=True, exist_ok=True)
    stale = [
        reports / f"{outputs.TEMP_PREFIX}rendering-kent-{YEAR}.docx",
        reports / f".rendering-kent-{YEAR}.docx",  # as earlier versions named them
        reports / ".new.k3x_9abq.docx",
        feedback / ".kent-feedback.a1b2c3d4.xlsx",
        out / YEAR / f"{outputs.TEMP_PREFIX}run.q1w2e3r4.json",
    ]
    for path in stale:
        path.write_bytes(b"half written")
    mine = [reports / ".my notes.txt", feedback / "kent-feedback (annotated).xlsx"]
    for path in mine:
        path.write_bytes(b"someone's file")
    return stale, mine


def test_a_second_run_on_the_same_folder_is_refused_clearly(inbox, tmp_path):
    out = tmp_path / "out"
    first = start(inbox, out)
    assert wait_for(first, lambda: (out / YEAR).is_dir() or _hidden_in(out, outputs.LOCK_NAME))
    second = start(inbox, out)
    code, said = finish(second, timeout=120)
    assert code == 3, said
    assert "Another equality run is writing to" in said and "Traceback" not in said
    assert first.poll() is None  # refused while the first was still running
    code, said = finish(first)
    assert code == 0, said
    assert_complete(out)
    with outputs.locked(out):  # and the folder is free again afterwards
        pass


def _assert_space_failure(code: int, said: str, out: Path, before: dict[str, str]) -> None:
    assert code == 3, said
    assert "full" in said and "no space left" in said and "Traceback" not in said
    assert temporaries(out) == []
    now = digests(out)
    assert {name: now.get(name) for name in before} == before  # earlier outputs intact


def test_a_write_that_fails_for_space_exits_3_and_keeps_earlier_outputs(inbox, finished, tmp_path):
    """A size-limited process (RLIMIT_FSIZE): its first large write fails, as on a full disk."""
    out = tmp_path / "out"
    before = earlier_outputs(finished, out)
    code, said = finish(start(inbox, out, limit=20_000))
    _assert_space_failure(code, said, out, before)


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs (root only): skipped where mounting is not permitted."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root, or not permitted)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_exits_3_and_keeps_earlier_outputs(inbox, finished, small_disk):
    out = small_disk / "out"
    before = earlier_outputs(finished, out)
    stats = os.statvfs(small_disk)
    filler = small_disk / "filler"
    with open(filler, "wb") as handle:  # leave about 20 KB free
        handle.write(bytes(max(0, stats.f_bavail * stats.f_frsize - 20_000)))
    code, said = finish(start(inbox, out))
    _assert_space_failure(code, said, out, before)
    filler.unlink()
    code, said = finish(start(inbox, out))
    assert code == 0, said
    assert_complete(out)
