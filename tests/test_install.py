"""A non-editable install works on its own: `equality run` finds the default report template."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx

from pipeline import fill

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2025-26"
RUN_DATE = "2026-05-01"


def test_a_non_editable_install_writes_reports_with_the_default_template(tmp_path, make_workbook):
    # Build from a copy, so that the build leaves nothing in the working tree.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("pipeline", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    site = tmp_path / "site"
    # The dependencies are the current environment's: only the project itself is installed.
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--no-deps", "--no-build-isolation", "--target", str(site), str(source)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.rmtree(source)  # nothing may still point at the copy that was built
    installed = {p.parent.relative_to(site).as_posix() for p in site.rglob("__init__.py")}
    packages = {
        p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "pipeline").rglob("__init__.py")
    }
    assert packages <= installed, "add the missing packages to pyproject.toml's packages"
    assert (site / "pipeline" / "templates" / "report.docx").is_file()

    work = tmp_path / "elsewhere"
    (work / "input").mkdir(parents=True)
    fill.fill_workbook(
        make_workbook(code="kent", year=YEAR),
        work / "input" / "kent.xlsx",
        statuses={"1.1.a": "Met"},
        profile={"lead_role": "Head of Policy", "signoff_date": dt.date(2026, 3, 1)},
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pipeline.report as r; print(r.__file__); print(r.DEFAULT_TEMPLATE)",
        ],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "run",
            "input",
            "--out",
            "output",
            "--date",
            RUN_DATE,
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = work / "output" / YEAR / "reports" / f"kent-equality-report-{YEAR}.docx"
    document = docx.Document(str(report))
    assert document.paragraphs[0].text == f"Equality Report {YEAR}"
    assert document.styles["Normal"].font.name == "Arial"  # the default template's styles
