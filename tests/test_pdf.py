"""--pdf: a tagged PDF beside each Word report, its contents with page numbers (LibreOffice)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pypdf
import pytest
from click.testing import CliRunner
from helpers import needs_libreoffice

from pipeline.cli import main
from pipeline.demo import batch as demo_batch
from pipeline.report import pdf

YEAR = "2025-26"
FEW = ("dorset", "essex", "kent", "lancashire", "surrey")

pytestmark = [needs_libreoffice, pytest.mark.libreoffice]


@pytest.fixture(scope="module")
def run_with_pdf(tmp_path_factory, member_list):
    folder = tmp_path_factory.mktemp("pdf-run")
    members = folder / "members.csv"
    member_list[member_list["code"].isin(FEW)].to_csv(members, index=False)
    return demo_batch.run_demo(
        folder / "out", year=YEAR, generated=dt.date(2026, 5, 1), members_file=members, pdf=True
    )


def structure_tags(reader: pypdf.PdfReader) -> dict[str, int]:
    """How often each structure type (/H1, /Table...) occurs in the PDF's structure tree."""
    counts: dict[str, int] = {}
    todo = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while todo:
        node = todo.pop().get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            todo.extend(node)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                counts[str(node["/S"])] = counts.get(str(node["/S"]), 0) + 1
            if "/K" in node:
                todo.append(node["/K"])
    return counts


def test_every_report_gets_a_tagged_pdf_with_headings_and_its_language(run_with_pdf):
    words = sorted((run_with_pdf.out_dir / "reports").glob("*.docx"))
    pdfs = sorted(run_with_pdf.outputs["pdf"])
    assert len(words) == len(run_with_pdf.batch.returns) >= 3
    assert [p.stem for p in pdfs] == [w.stem for w in words]
    for path in pdfs:
        reader = pypdf.PdfReader(path)
        catalog = reader.trailer["/Root"]
        assert bool(catalog["/MarkInfo"]["/Marked"]) is True
        assert str(catalog["/Lang"]) == "en-GB", path.name
        tags = structure_tags(reader)
        assert tags.get("/H1", 0) >= 5 and tags.get("/H2", 0) >= 10, (path.name, tags)
        assert tags.get("/Table", 0) >= 5 and tags.get("/TH", 0) > 0
        assert tags.get("/Figure", 0) >= 1
        assert reader.metadata.title.startswith("DEMO — Equality Report")
    info = subprocess.run(["pdfinfo", str(pdfs[0])], capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)


def test_the_demo_makes_pdfs_of_this_year_alone(run_with_pdf):
    """The year before is run for its record, which the progress since then is taken from."""
    earlier = run_with_pdf.out_dir.parent / "demo-2024-25"
    assert run_with_pdf.progress is not None and run_with_pdf.progress.previous_year == "2024-25"
    assert sorted((earlier / "reports").glob("*.docx"))
    assert not sorted(earlier.rglob("*.pdf"))


def test_the_contents_page_shows_page_numbers(run_with_pdf):
    path = sorted(run_with_pdf.outputs["pdf"])[0]
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages[1:4])
    start = text.index("Contents")
    entries = re.findall(
        r"^(Introduction|At a glance|National picture|Appendix)\.*\s*(\d+)\s*$", text[start:], re.M
    )
    assert [name for name, _ in entries] == [
        "Introduction",
        "At a glance",
        "National picture",
        "Appendix",
    ], text
    pages = [int(number) for _, number in entries]
    assert pages == sorted(pages) and pages[0] >= 2


def test_pdfs_are_in_the_manifest_and_an_edited_one_is_kept(run_with_pdf):
    reports = run_with_pdf.out_dir / "reports"
    first = sorted(run_with_pdf.outputs["pdf"])[0]
    first.write_bytes(first.read_bytes() + b"\n% edited\n")
    outcome = [o for o in run_with_pdf.report_outcomes if o.path.stem == first.stem]
    again = pdf.write_pdfs(outcome, reports)
    assert again[0].status == "kept-edited" and again[0].path.name.endswith(".new.pdf")
    assert first.read_bytes().endswith(b"% edited\n")


def test_a_report_that_cannot_be_converted_is_said_and_the_others_go_on(run_with_pdf, tmp_path):
    broken = tmp_path / "broken-equality-report.docx"
    broken.write_bytes(b"not a word document")
    good = run_with_pdf.report_outcomes[0]
    outcomes = pdf.write_pdfs(
        [type(good)("broken", broken, "written", ""), good], tmp_path, timeout=120
    )
    assert outcomes[0].status == pdf.FAILED and "broken-equality-report.docx" in outcomes[0].message
    assert outcomes[1].status in ("written", "unchanged") and outcomes[1].path.is_file()


def test_a_conversion_that_takes_too_long_is_stopped(run_with_pdf, tmp_path):
    slow = pdf.write_pdfs(run_with_pdf.report_outcomes[:1], tmp_path, timeout=0.05)
    assert slow[0].status == pdf.FAILED and "longer than" in slow[0].message
    assert not list(tmp_path.glob("*.pdf"))


def test_run_help_offers_pdf():
    result = CliRunner().invoke(main, ["run", "--help"])
    assert "--pdf" in result.output and "tagged PDF" in result.output
