"""Shared fixtures: the framework, the members, generated workbooks, LibreOffice recalculation."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import framework, members, workbook

#: The generated date of every test workbook, so that runs are repeatable.
GENERATED = dt.date(2025, 4, 1)
SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not found")


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


def convert(paths: list[Path], target: str, out_dir: Path, timeout: float = 240) -> list[Path]:
    """Convert `paths` with LibreOffice headless (one soffice call, a private profile).

    `target` is soffice's --convert-to argument ("pdf", "xls", "xlsx:Calc MS Excel 2007 XML").
    Returns the converted files in the order given.
    """
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not found")
    out_dir.mkdir(parents=True, exist_ok=True)
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError("convert() needs distinct file names: they share one output folder.")
    profile = Path("/tmp") / f"lo-tests-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                *map(str, paths),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    extension = target.split(":")[0]
    converted = [out_dir / f"{stem}.{extension}" for stem in stems]
    missing = [p.name for p in converted if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not convert: {', '.join(missing)}")
    return converted


def recalculate(paths: list[Path], out_dir: Path) -> list[Path]:
    """Open and re-save `paths` in LibreOffice, so formulas hold values; names are kept."""
    return convert(paths, "xlsx:Calc MS Excel 2007 XML", out_dir)
