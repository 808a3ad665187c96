"""The demo never mixes with real work: when it runs, where it writes, and DEMO on every output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn

from pipeline import marks
from pipeline.cli import main
from pipeline.demo import phrases

RUN_DATE = "2026-05-01"
YEAR = "2025-26"
PREVIOUS = "2024-25"
#: A few members, so that the demo run stays quick; enough for every verdict but one to show.
FEW = ("dorset", "essex", "kent", "lancashire", "surrey", "west-midlands")


def visible(folder: Path) -> list[str]:
    """What a person sees in a folder: its entries less the hidden ones (the run's lock file)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def inbox_with_readme(root: Path) -> Path:
    inbox = root / "input"
    inbox.mkdir(parents=True)
    (inbox / "README.md").write_text("Put the returned workbooks here.", encoding="utf-8")
    return inbox


def write_pdf(folder: Path) -> Path:
    pdf = folder / "kent-return.pdf"
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    return pdf


@pytest.fixture(scope="module")
def few_members(tmp_path_factory, member_list) -> Path:
    path = tmp_path_factory.mktemp("members") / "members.csv"
    member_list[member_list["code"].isin(FEW)].to_csv(path, index=False)
    return path


def test_a_named_input_that_does_not_exist_is_a_usage_error(tmp_path):
    missing = tmp_path / "no-such-folder"
    result = invoke("run", str(missing), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no-such-folder" in result.output and "does not exist" in result.output
    assert not (tmp_path / "out").exists()


def test_a_named_input_with_nothing_to_check_is_a_usage_error_not_a_demo(tmp_path):
    inbox = inbox_with_readme(tmp_path)
    result = invoke("run", str(inbox), "--out", str(tmp_path / "out"), "--date", RUN_DATE)
    assert result.exit_code == 2
    assert "holds no returns" in result.output and "equality demo" in result.output
    assert "DEMO RUN" not in result.output
    assert not (tmp_path / "out").exists()


def test_the_default_input_when_missing_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "--date", RUN_DATE)
    assert result.exit_code == 2
    assert "input does not exist" in result.output
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize("named", [True, False], ids=["named input", "default input"])
def test_a_pdf_only_is_run_as_a_batch_with_its_verdict_never_the_demo(tmp_path, monkeypatch, named):
    monkeypatch.chdir(tmp_path)
    inbox = inbox_with_readme(tmp_path)
    write_pdf(inbox)
    where = ["input"] if named else []
    result = invoke("run", *where, "--year", YEAR, "--date", RUN_DATE)
    assert result.exit_code == 0, result.output
    assert "DEMO" not in result.output
    assert "E001" in result.output
    out = tmp_path / "output"
    assert visible(out) == [YEAR]
    record = json.loads((out / YEAR / "run.json").read_text(encoding="utf-8"))
    assert record["demo"] is False
    assert [(r["file"], r["verdict"]) for r in record["returns"]] == [
        ("README.md", "skipped"),
        ("kent-return.pdf", "rejected"),
    ]
    summary = openpyxl.load_workbook(out / YEAR / "validation-summary.xlsx")
    assert summary.sheetnames[0] == "Returns"
    codes = [row[0] for row in summary["Problems"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["W125", "E001"]  # the README listed as skipped; the PDF rejected
    assert not list(out.rglob("*DEMO*"))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, few_members) -> dict:
    """`equality run` from a folder whose input/ holds only its README: the demo runs."""
    root = tmp_path_factory.mktemp("demo-run")
    inbox = inbox_with_readme(root)
    cwd = Path.cwd()
    try:
        os.chdir(root)
        result = invoke("run", "--year", YEAR, "--members", str(few_members), "--date", RUN_DATE)
    finally:
        os.chdir(cwd)
    return {"result": result, "root": root, "inbox": inbox, "out": root / "output"}


def test_the_demo_runs_for_the_default_input_holding_only_its_readme(demo_run):
    result = demo_run["result"]
    assert result.exit_code == 0, result.output
    assert "DEMO RUN: THESE RESULTS COME FROM INVENTED DEMO RETURNS" in result.output
    assert "DEMO — Equality returns" in result.output
    assert sorted(p.name for p in demo_run["inbox"].iterdir()) == ["README.md"]


def test_demo_outputs_go_only_to_the_demo_folders(demo_run):
    out = demo_run["out"]
    # This year's demo run, and the year before that it is compared with.
    assert visible(out) == [f"demo-{PREVIOUS}", f"demo-{YEAR}"]
    for year in (PREVIOUS, YEAR):
        record = json.loads((out / f"demo-{year}" / "run.json").read_text(encoding="utf-8"))
        assert record["demo"] is True
        files = [p for p in (out / f"demo-{year}").rglob("*") if p.is_file()]
        named = [p for p in files if p.suffix in (".docx", ".xlsx")]
        assert len(named) > len(FEW)
        assert all(p.stem.endswith("-DEMO") for p in named), [p.name for p in named]
    record = json.loads((out / f"demo-{YEAR}" / "run.json").read_text(encoding="utf-8"))
    assert record["previous"]["year"] == PREVIOUS
    assert {o["file"] for o in record["outputs"]} >= {
        f"equality-benchmark-{YEAR}-DEMO.xlsx",
        "validation-summary-DEMO.xlsx",
    }


def header_text(document) -> str:
    texts = []
    for section in document.sections:
        for paragraph in section.header.paragraphs:
            texts += [t.text or "" for t in paragraph._p.iter(qn("w:t"))]
    return " ".join(texts)


def test_every_demo_report_says_demo_on_its_title_page_and_running_header(demo_run):
    reports = sorted((demo_run["out"] / f"demo-{YEAR}" / "reports").glob("*.docx"))
    assert len(reports) >= 4
    for path in reports:
        document = docx.Document(path)
        paragraphs = document.paragraphs
        at = next(i for i, p in enumerate(paragraphs) if p.style.name == "Title")
        assert paragraphs[at].text == f"DEMO — Equality Report {YEAR}", path.name
        assert paragraphs[at + 1].text == marks.BANNER
        assert header_text(document).startswith(f"DEMO — Equality Report {YEAR}: ")
        assert document.core_properties.title.startswith("DEMO — ")


def test_every_demo_workbook_says_demo_on_every_sheet(demo_run):
    folder = demo_run["out"] / f"demo-{YEAR}"
    books = sorted(folder.rglob("*.xlsx"))
    assert len(books) >= 3 and any(p.parent.name == "feedback" for p in books)
    for path in books:
        book = openpyxl.load_workbook(path)
        first = book.worksheets[0]
        assert first.title == marks.SHEET_NAME, path.name
        assert first["A1"].value == "DEMO" and first["A2"].value == marks.BANNER
        assert book.active.title == marks.SHEET_NAME
        for ws in book.worksheets[1:]:
            assert "DEMO" in ws.oddHeader.center.text, (path.name, ws.title)
    bench = openpyxl.load_workbook(folder / f"equality-benchmark-{YEAR}-DEMO.xlsx")
    for ws in bench.worksheets[1:]:
        assert ws["A1"].value.startswith("DEMO — "), ws.title
    assert (
        bench["Levels"]["A1"].value
        == f"DEMO — Equality Framework benchmark {YEAR}: levels by member"
    )
    for path in (folder / "feedback").glob("*.xlsx"):
        sheet = openpyxl.load_workbook(path).worksheets[1]
        assert sheet["A1"].value == "DEMO — Feedback on your Equality Framework self-assessment"


def test_the_demo_shows_progress_since_its_previous_year(demo_run):
    folder = demo_run["out"] / f"demo-{YEAR}"
    reports = sorted((folder / "reports").glob("*.docx"))
    for path in reports:
        headings = [p.text for p in docx.Document(path).paragraphs if p.style.name == "Heading 1"]
        assert f"Progress since {PREVIOUS}" in headings, path.name
    book = openpyxl.load_workbook(folder / f"equality-benchmark-{YEAR}-DEMO.xlsx")
    assert {"Movement", "Levels vs last year", "Met last year", "Returned last year"} <= set(
        book.sheetnames
    )
    movements = [
        value
        for row in book["Movement"].iter_rows(min_row=5, min_col=4, max_col=19, values_only=True)
        for value in row
    ]
    assert any(str(v).startswith("up from") for v in movements)
    assert book["Movement"]["A1"].value.startswith(marks.PREFIX)
    # The member that sends nothing this year returned last year.
    missing = [r[0] for r in book["Returned last year"].iter_rows(min_row=5, values_only=True)]
    assert missing and "DEMO RUN" in demo_run["result"].output


def test_a_real_run_refuses_the_demos_previous_year(demo_run, tmp_path, few_members):
    folder = tmp_path / "returns"
    made = invoke("demo", "--out", str(folder), "--year", YEAR, "--members", str(few_members))
    assert made.exit_code == 0, made.output
    (folder / ".equality-demo.json").unlink()  # copied away from its marker: a "real" run
    previous = demo_run["out"] / f"demo-{PREVIOUS}"
    result = CliRunner().invoke(
        main,
        [
            *("run", str(folder), "--out", str(tmp_path / "out"), "--year", YEAR),
            *("--members", str(few_members), "--previous", str(previous)),
        ],
    )
    assert result.exit_code == 2
    assert "demo run" in result.output and not (tmp_path / "out").exists()


def test_the_batch_never_imports_the_demo():
    code = (
        "import sys\n"
        "import pipeline.run, pipeline.report, pipeline.benchmark, pipeline.feedback\n"
        "print(sorted(m for m in sys.modules if m.startswith('pipeline.demo')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_theme_has_owners_from_the_phrase_banks(fw):
    bank = phrases.load()
    for theme in fw.themes:
        matched = [
            roles for pattern, roles in bank.owners if __import__("re").search(pattern, theme.title)
        ]
        assert matched, theme.title
        assert bank.owners_of(theme) == matched[0]
    assert bank.owners_of(fw.themes[0]) != bank.owners_of(fw.themes[-1])


def test_only_a_readme_and_hidden_files_count_as_an_empty_input(tmp_path):
    from pipeline.demo import holds_only_readme

    inbox = inbox_with_readme(tmp_path)
    (inbox / ".DS_Store").write_bytes(b"\0")
    (inbox / "empty-subfolder").mkdir()
    assert holds_only_readme(inbox)
    (inbox / "notes.txt").write_text("returns to follow", encoding="utf-8")
    assert not holds_only_readme(inbox)
    assert not holds_only_readme(tmp_path / "missing")


def test_the_default_input_holding_other_files_is_never_the_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inbox = inbox_with_readme(tmp_path)
    (inbox / "notes.txt").write_text("returns to follow", encoding="utf-8")
    result = invoke("run", "--year", YEAR, "--date", RUN_DATE)
    # Every file gets its verdict, whatever its name: the note is checked (and rejected), and
    # the batch is a real one, never the demo.
    assert result.exit_code == 0, result.output
    assert "DEMO" not in result.output and "E001" in result.output
    assert visible(tmp_path / "output") == [YEAR]


def test_a_run_on_a_folder_made_by_equality_demo_is_a_demo_run(tmp_path, few_members):
    returns = tmp_path / "demo-returns"
    made = invoke("demo", "--out", str(returns), "--year", YEAR, "--members", str(few_members))
    assert made.exit_code == 0, made.output
    out = tmp_path / "out"
    result = invoke(
        "run", str(returns), "--out", str(out), "--members", str(few_members), "--date", RUN_DATE
    )
    assert result.exit_code == 0, result.output
    assert "DEMO RUN" in result.output
    assert visible(out) == [f"demo-{YEAR}"]
    record = json.loads((out / f"demo-{YEAR}" / "run.json").read_text(encoding="utf-8"))
    assert record["demo"] is True
    reports = list((out / f"demo-{YEAR}" / "reports").glob("*.docx"))
    assert reports and all(p.stem.endswith("-DEMO") for p in reports)
