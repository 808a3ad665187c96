"""Broken and hostile returns, as a batch: `equality run` over the corpus, every output read back.

One folder holds every case of `corpus.build_corpus` beside good returns. The run must finish,
give each file its verdict with coded, located messages, keep every good return's outputs, write
nothing that a return's text could turn into a formula, a link or markup, never touch the inputs,
and give the same bytes when run again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import time
import tracemalloc
import zipfile
from pathlib import Path

import defusedxml
import docx
import openpyxl
import pytest
from click.testing import CliRunner
from corpus import (
    CLIMBING,
    ENCRYPTED,
    FREE_FORM_ENCRYPTED,
    GENERATED,
    INJECTIONS,
    LATIN1_NAME,
    LOCAL_LINK,
    LONG_NAME,
    OUTSIDE_CELLS,
    PASSWORDS,
    TYPED_FORMULA,
    WELSH,
    YEAR,
    build_corpus,
    wordy_return,
)

from pipeline import framework, ingest, members, workbook
from pipeline.cli import main
from pipeline.members import load_members
from pipeline.outputs import NAME_LIMIT, display_name
from pipeline.problems import where
from pipeline.report import report_name
from pipeline.vocabulary import ACCEPTED, REJECTED, SKIPPED, SUPERSEDED, WITH_WARNINGS

# After every fixture's sign-off date (20/05/2026), as a real run is (else W126).
RUN = ["--date", "2026-06-01", "--year", YEAR]
#: Problems that point at one cell: their rows must name the sheet and the cell.
CELL_CODES = {"W101", "W103", "W104", "W106", "W117", "W118", "W119", "W122"}
#: The one link that is not a web address: a Welsh member's report to its other-language twin.
COUNTERPART = re.compile(r"[a-z0-9-]+-equality-report-\d{4}-\d{2}-(cy|en)\.(docx|html)")
#: The only fields our reports carry: table of contents, page numbers, the title in the header.
OUR_FIELDS = re.compile(r"^\s*(TOC|PAGE|NUMPAGES|TITLE)\b")
NAMES = {
    "reports": re.compile(
        r"^[a-z0-9-]+-equality-report-\d{4}-\d{2}(-cy|-en)?(\.new(-\d+)?)?\.(docx|html|pdf)$"
    ),
    "feedback": re.compile(r"^[a-z0-9-]+-feedback\.xlsx$"),
    "record": re.compile(
        r"^((responses|commentary|objectives|profile|themes|sections)\.csv|record\.json)$"
    ),
    ".": re.compile(
        rf"^(validation-summary\.xlsx|equality-benchmark-{YEAR}(-members)?\.xlsx|run\.json)$"
    ),
}


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def equality(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """The corpus, run twice into one output folder (a report edited in between), then the
    encrypted return with its password, and a wordy return under a 1 MB limit."""
    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "input"
    expected = build_corpus(inbox, root / "scratch")
    before = digests(inbox)
    out = root / "output"
    first = equality("run", str(inbox), "--out", str(out), *RUN)
    assert first.exit_code == 0, (first.output, repr(first.exception))
    year_dir = out / YEAR
    after_first = digests(year_dir)
    edited = year_dir / "reports" / f"kent-equality-report-{YEAR}.docx"
    document = docx.Document(str(edited))
    document.add_paragraph("Edited by the communications team.")
    document.save(str(edited))
    edited_bytes = edited.read_bytes()
    second = equality("run", str(inbox), "--out", str(out), *RUN)

    locked = root / "locked"
    locked.mkdir()
    for name in (ENCRYPTED, FREE_FORM_ENCRYPTED):
        shutil.copy2(inbox / name, locked / name)
    passwords = root / "passwords.csv"
    rows = "".join(f"{code},{password}\n" for code, password in PASSWORDS.items())
    passwords.write_text("code,password\n" + rows, encoding="utf-8")
    unlocked = equality(
        "run", str(locked), "--out", str(root / "unlocked"), "--passwords", str(passwords), *RUN
    )

    wordy = root / "wordy"
    wordy_return(wordy, root / "scratch")
    limited = equality(
        "run", str(wordy), "--out", str(root / "limited"), "--max-unzipped-mb", "1", *RUN
    )
    unlimited = equality("run", str(wordy), "--out", str(root / "unlimited"), *RUN)
    return {
        "root": root,
        "inbox": inbox,
        "expected": expected,
        "before": before,
        "out": year_dir,
        "runs": [first, second],
        "after_first": after_first,
        "edited": (edited, edited_bytes),
        "unlocked": (unlocked, root / "unlocked" / YEAR),
        "limited": (limited, root / "limited" / YEAR),
        "unlimited": (unlimited, root / "unlimited" / YEAR),
    }


def table(path: Path, sheet: str) -> list[dict]:
    """A sheet of a produced workbook as records keyed by its header row."""
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = list(ws.values)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def verdicts(out: Path) -> dict[str, dict]:
    return {row["File"]: row for row in table(out / "validation-summary.xlsx", "Returns")}


def problems(out: Path) -> list[dict]:
    return table(out / "validation-summary.xlsx", "Problems")


def cells(path: Path):
    """Every cell of every sheet of a produced workbook, with formulas as written (the cells that
    exist: a copy may hold one in the last row and column)."""
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        yield from ((ws.title, cell) for cell in ws._cells.values())


def template_formulas() -> set[str]:
    """The formulas a generated workbook holds: the only ones a feedback copy may keep."""
    member = load_members().iloc[0].to_dict()
    book = workbook.build_workbook(member, YEAR, framework.load(), generated=GENERATED)
    return {
        c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }


# --- the run -------------------------------------------------------------------------------------


def test_the_runs_complete_without_a_traceback(corpus):
    for result in [*corpus["runs"], *(corpus[k][0] for k in ("unlocked", "limited", "unlimited"))]:
        assert result.exit_code == 0, result.output
        assert result.exception is None
        assert "Traceback" not in result.output


def test_every_file_gets_its_verdict_and_codes(corpus):
    log = verdicts(corpus["out"])
    assert set(log) == set(corpus["expected"])
    found = {}
    for row in problems(corpus["out"]):
        found.setdefault(row["File"], set()).add(row["Code"])
    for name, expected in corpus["expected"].items():
        assert log[name]["Verdict"] == expected.verdict, name
        assert found.get(name, set()) == expected.codes, name
        assert (log[name]["OPCC"] or "") == expected.member, name
    kinds = {e.verdict for e in corpus["expected"].values()}
    assert kinds == {ACCEPTED, WITH_WARNINGS, REJECTED, SUPERSEDED, SKIPPED}


def test_every_problem_says_where_what_and_how_to_fix(corpus):
    inbox = corpus["inbox"]
    for row in problems(corpus["out"]):
        file, sheet, cell = row["File"], row["Sheet"] or "", row["Cell"] or ""
        assert file in corpus["expected"]
        assert row["Message"].startswith(where(file, sheet, cell) + " "), row
        assert row["How to fix"], row
        if row["Code"] in CELL_CODES:
            assert sheet and re.fullmatch(r"[A-Z]{1,3}\d+", cell), row
            assert (inbox / file).is_file(), file
            assert sheet in openpyxl.load_workbook(inbox / file, read_only=True).sheetnames
        if row["Severity"] == "error":
            assert row["Code"].startswith("E") and row["Message"].startswith(f"[file '{file}']")


def test_good_returns_get_reports_and_problem_returns_get_feedback(corpus):
    out = corpus["out"]
    reports = {p.name for p in (out / "reports").glob("*.docx")}
    usable = {
        e.member for e in corpus["expected"].values() if e.verdict in (ACCEPTED, WITH_WARNINGS)
    }
    welsh = members.welsh_codes()
    expected = {
        report_name(code, YEAR, language)
        for code in usable
        for language in (("cy", "en") if code in welsh else (None,))
    }
    assert expected <= reports
    assert "suffolk" in usable and "north-wales" in usable  # awkward file names
    for code in ("lincolnshire", "merseyside", "durham", "atlantis"):
        assert f"{code}-equality-report-{YEAR}.docx" not in reports
    feedback = {p.name for p in (out / "feedback").glob("*.xlsx")}
    for code in ("hampshire-and-isle-of-wight", "gwent"):
        assert f"{code}-feedback.xlsx" in feedback
    # A return for another year than the batch (E012) is the APCC's to sort out: no feedback.
    assert "lincolnshire-feedback.xlsx" not in feedback
    with_problems = [
        n
        for n, e in corpus["expected"].items()
        if e.codes and e.verdict not in (SUPERSEDED, SKIPPED) and "E012" not in e.codes
    ]
    assert len(feedback) == len(with_problems)


def test_output_names_come_from_member_codes_and_stay_inside(corpus):
    out = corpus["out"].resolve()
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out)
        if path.is_dir():
            assert path.name in ("reports", "feedback", "record")
            continue
        folder = "." if path.parent == out else path.parent.name
        if path.name == ".equality-manifest.json":
            continue
        assert NAMES[folder].match(path.name), path
    outside = {p.relative_to(corpus["root"]).parts[0] for p in corpus["root"].iterdir()}
    assert outside == {
        "input",
        "scratch",
        "output",
        "locked",
        "passwords.csv",
        "unlocked",
        "wordy",
        "limited",
        "unlimited",
    }
    assert CLIMBING in corpus["expected"]
    assert (out / "reports" / f"suffolk-equality-report-{YEAR}.docx").is_file()


# --- nothing from a return becomes a formula, a link or markup ------------------------------------


def test_no_record_table_holds_a_cell_a_spreadsheet_would_run(corpus):
    tables = sorted((corpus["out"] / "record").glob("*.csv"))
    assert len(tables) == 6
    for table in tables:
        with open(table, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for value in row:
                    assert not value.startswith(("=", "+", "@", "\t", "\r")), (table.name, value)


def test_no_output_workbook_holds_a_formula_or_link_from_a_return(corpus):
    ours = template_formulas()
    seen: dict[str, set[str]] = {}
    for path in sorted(corpus["out"].rglob("*.xlsx")):
        copy = path.parent.name == "feedback"
        for title, cell in cells(path):
            if cell.data_type == "f":
                assert copy and cell.value in ours, (path.name, title, cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                for name, text in {**INJECTIONS, "typed": TYPED_FORMULA, "welsh": WELSH}.items():
                    if text in cell.value:
                        assert cell.data_type == "s", (path.name, title, cell.coordinate)
                        seen.setdefault(name, set()).add(path.name)
            link = cell.hyperlink
            if link is not None and link.target:
                assert link.target.startswith(("https://", "http://", "mailto:")), link.target
                assert "evil.example" not in link.target
    benchmark = f"equality-benchmark-{YEAR}.xlsx"
    for name in INJECTIONS:
        assert {benchmark, "hampshire-and-isle-of-wight-feedback.xlsx"} <= seen[name], name
    assert "hampshire-and-isle-of-wight-feedback.xlsx" in seen["typed"]  # a formula made text


def test_the_feedback_copy_shows_typed_formulas_and_links_as_text(corpus):
    book = openpyxl.load_workbook(
        corpus["out"] / "feedback/hampshire-and-isle-of-wight-feedback.xlsx"
    )
    ws = book["1 Communities"]
    row = next(c.row for c in ws["A"] if c.value == "1.2.a")
    evidence, link, owner = ws.cell(row, 5), ws.cell(row, 6), ws.cell(row, 7)
    assert (evidence.value, evidence.data_type) == (INJECTIONS["hyperlink"], "s")
    assert (owner.value, owner.data_type) == (TYPED_FORMULA, "s")
    assert link.hyperlink is None
    assert evidence.comment is not None and "W103" in evidence.comment.text
    assert LOCAL_LINK.startswith("file:")


def _docx_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        }


def test_reports_hold_return_text_as_plain_runs(corpus):
    for path in sorted((corpus["out"] / "reports").glob("*.docx")):
        parts = _docx_parts(path)
        for name, xml in parts.items():
            fields = re.findall(r"<w:instrText[^>]*>([^<]*)<", xml)
            fields += re.findall(r'<w:fldSimple [^>]*w:instr="([^"]*)"', xml)
            assert all(OUR_FIELDS.match(field) for field in fields), (path.name, name, fields)
            for rels in re.findall(r"<Relationship [^>]*/>", xml):
                if 'TargetMode="External"' in rels:
                    target = re.search(r'Target="([^"]*)"', rels)[1]
                    assert target.startswith(("https://", "http://")) or (
                        COUNTERPART.fullmatch(target) and (path.parent / target).is_file()
                    ), (path.name, target)
                    assert "evil.example" not in target
            assert "javascript:" not in " ".join(re.findall(r'Target="([^"]*)"', xml))
    text = _all_text(
        corpus["out"] / f"reports/hampshire-and-isle-of-wight-equality-report-{YEAR}.docx"
    )
    for injected in INJECTIONS.values():
        assert injected in text  # shown as typed, so it can be challenged
    for language in ("cy", "en"):
        name = report_name("north-wales", YEAR, language)
        assert WELSH in _all_text(corpus["out"] / f"reports/{name}")


def test_web_pages_hold_return_text_as_text_never_markup(corpus):
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.tags: list[str] = []
            self.links: list[str] = []
            self.text: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.links += [v or "" for k, v in attrs if k in ("href", "src")]

        def handle_data(self, data):
            self.text.append(data)

    pages = sorted((corpus["out"] / "reports").glob("*.html"))
    words = (corpus["out"] / "reports").glob("*.docx")
    assert {p.stem for p in pages} == {p.stem.removesuffix(".new") for p in words}
    texts = {}
    for path in pages:
        reader = Reader()
        reader.feed(path.read_text(encoding="utf-8"))
        assert not {"script", "iframe", "object", "embed", "form", "link"} & set(reader.tags)
        for link in reader.links:
            assert link.startswith(("#", "https://", "http://", "data:image/png;base64,")) or (
                COUNTERPART.fullmatch(link) and (path.parent / link).is_file()
            ), link
            assert "evil.example" not in link
        texts[path.name] = "".join(reader.text)
    hampshire = texts[f"hampshire-and-isle-of-wight-equality-report-{YEAR}.html"]
    for injected in INJECTIONS.values():
        assert injected in hampshire  # shown as typed
    assert WELSH in texts[f"north-wales-equality-report-{YEAR}-cy.html"]
    assert WELSH in texts[f"north-wales-equality-report-{YEAR}-en.html"]


def _all_text(path: Path) -> str:
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for tbl in document.tables:
        texts += [cell.text for row in tbl.rows for cell in row.cells]
    return "\n".join(texts)


# --- nothing lost ------------------------------------------------------------------------------


def test_inputs_are_unchanged(corpus):
    assert digests(corpus["inbox"]) == corpus["before"]


def test_a_second_run_gives_the_same_outputs_and_keeps_an_edited_report(corpus):
    edited, edited_bytes = corpus["edited"]
    assert edited.read_bytes() == edited_bytes
    now = digests(corpus["out"])
    first = corpus["after_first"]
    kept = edited.relative_to(corpus["out"]).as_posix()
    fresh = kept.replace(".docx", ".new.docx")
    assert now[fresh] == first[kept]  # the new report is the one the first run wrote
    changed = {k for k in first if now.get(k) != first[k]}
    assert changed <= {kept, "run.json", "reports/.equality-manifest.json"}
    assert set(now) - set(first) == {fresh}
    said = " ".join(corpus["runs"][1].output.split())
    assert f"{edited.name} was changed after it was generated, so it was left as it is" in said


# --- safety limits -----------------------------------------------------------------------------


def test_passwords_file_opens_the_encrypted_return(corpus):
    result, out = corpus["unlocked"]
    assert result.exit_code == 0, result.output
    log = verdicts(out)
    assert log[ENCRYPTED]["Verdict"] == ACCEPTED
    assert (out / "reports" / f"merseyside-equality-report-{YEAR}.docx").is_file()
    # A name that names nobody: each password is tried, the content says whose return it is.
    assert (log[FREE_FORM_ENCRYPTED]["Verdict"], log[FREE_FORM_ENCRYPTED]["OPCC"]) == (
        ACCEPTED,
        "wiltshire",
    )
    assert (out / "reports" / f"wiltshire-equality-report-{YEAR}.docx").is_file()
    message = next(r for r in problems(corpus["out"]) if r["File"] == ENCRYPTED)
    assert "--passwords" in message["How to fix"]


def test_a_lower_unzipped_limit_rejects_a_normal_return_clearly(corpus):
    result, out = corpus["limited"]
    (row,) = problems(out)
    assert row["Code"] == "E004"
    assert re.search(r"unpacks to 1\.\d MB, more than the limit of 1\.0 MB", row["Message"])
    assert "--max-unzipped-mb" in row["How to fix"]
    assert "E004" in result.output
    result, out = corpus["unlimited"]
    assert {row["Verdict"] for row in verdicts(out).values()} == {ACCEPTED}


def test_xml_is_parsed_through_defusedxml(corpus):
    assert openpyxl.DEFUSEDXML is True
    laughs = corpus["inbox"] / "surrey laughs.xlsx"
    # Without ingest's own check, openpyxl itself refuses the entities.
    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(laughs)
    assert isinstance(refused.value.__cause__, defusedxml.EntitiesForbidden)
    tracemalloc.start()
    clock = time.perf_counter()
    found, found_problems = ingest.read_return(laughs)
    seconds = time.perf_counter() - clock
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found is None and [p.code for p in found_problems] == ["E003"]
    assert seconds < 2 and peak < 50 * 1024 * 1024


def test_the_zip_bomb_is_refused_before_it_is_unpacked(corpus):
    bomb = corpus["inbox"] / "surrey bomb.xlsx"
    assert bomb.stat().st_size < 1024 * 1024
    tracemalloc.start()
    found, found_problems = ingest.read_return(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found is None and [p.code for p in found_problems] == ["E004"]
    assert peak < 20 * 1024 * 1024


# --- availability: no single file takes the batch down -------------------------------------------


def _xml_of(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith((".xml", ".rels"))
        )


def test_feedback_copies_hold_no_formula_from_outside_the_cells(corpus):
    """Defined names, conditional formats and validations come from the template alone."""
    copies = sorted((corpus["out"] / "feedback").glob("*.xlsx"))
    source = _xml_of(corpus["inbox"] / "avon-and-somerset-equality-self-assessment-2025-26.xlsx")
    for planted in ("WEBSERVICE", "cmd|", "Auto_Open", "evil.example/name"):
        assert planted in source  # the return really carries them
    for path in copies:
        xml = _xml_of(path)
        for planted in ("WEBSERVICE", OUTSIDE_CELLS["Evil"], "Auto_Open", "evil.example/name"):
            assert planted not in xml, (path.name, planted)
    member = load_members().iloc[0].to_dict()
    template = workbook.build_workbook(member, YEAR, framework.load(), generated=GENERATED)
    copy = openpyxl.load_workbook(corpus["out"] / "feedback/avon-and-somerset-feedback.xlsx")
    assert set(copy.defined_names) <= set(template.defined_names)
    assert not set(OUTSIDE_CELLS) & set(copy.defined_names)
    for ws in copy.worksheets:
        if ws.title not in template.sheetnames:
            assert not ws.data_validations.dataValidation, ws.title
            continue
        ours = template[ws.title]
        assert [v.formula1 for v in ws.data_validations.dataValidation] == [
            v.formula1 for v in ours.data_validations.dataValidation
        ]
        rules = {f for cf in ws.conditional_formatting for r in cf.rules for f in r.formula}
        mine = {f for cf in ours.conditional_formatting for r in cf.rules for f in r.formula}
        assert rules == mine, ws.title
    # The copy keeps the template's own dropdowns (Status, Progress).
    assert any(ws.data_validations.dataValidation for ws in copy.worksheets)


def test_a_damaged_picture_is_dropped_from_the_feedback_copy(corpus):
    path = corpus["out"] / "feedback/warwickshire-feedback.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Feedback" and len(book.sheetnames) > 2  # a copy, not a list
    assert not any(n.startswith("xl/media/") for n in zipfile.ZipFile(path).namelist())


def test_a_huge_used_range_is_read_by_its_cells_in_bounded_memory(corpus):
    path = corpus["inbox"] / "nottinghamshire-equality-self-assessment-2025-26.xlsx"
    ws = openpyxl.load_workbook(path, read_only=True)["1 Communities"]
    assert ws.calculate_dimension().endswith("XFD1048576")
    tracemalloc.start()
    found, found_problems = ingest.read_return(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found is not None and peak < 150 * 1024 * 1024
    clipped = [p for p in found_problems if p.code == "W124"]
    assert {p.sheet for p in clipped} == {"1 Communities", "Profile"}
    assert any("row 1,048,576 and column XFD" in p.message for p in clipped)
    assert (corpus["out"] / f"reports/nottinghamshire-equality-report-{YEAR}.docx").is_file()


def test_file_names_are_made_safe_and_short_in_every_output(corpus):
    out = corpus["out"]
    latin1 = display_name(os.fsdecode(LATIN1_NAME))
    log = verdicts(out)
    assert "\ufffd" in latin1 and log[latin1]["Verdict"] == ACCEPTED
    long = display_name(LONG_NAME)
    assert len(LONG_NAME) > 230 and len(long) == NAME_LIMIT and log[long]["Verdict"] == ACCEPTED
    record = json.loads((out / "run.json").read_bytes().decode("utf-8"))
    files = {entry["file"] for entry in record["inputs"]}
    assert {latin1, long} <= files and all(len(f) <= NAME_LIMIT for f in files)
    for code in ("cambridgeshire", "thames-valley"):
        properties = docx.Document(str(out / f"reports/{code}-equality-report-{YEAR}.docx"))
        comments = properties.core_properties.comments
        assert len(comments) <= 255 and ("\ufffd" in comments or "\u2026" in comments)


def test_links_pipes_and_lock_files_get_a_verdict_line(corpus):
    log = verdicts(corpus["out"])
    rows = {row["File"]: row for row in problems(corpus["out"])}
    assert log["pipe.xlsx"]["Verdict"] == REJECTED and "named pipe" in rows["pipe.xlsx"]["Message"]
    assert "does not exist" in rows["dangling.xlsx"]["Message"]
    assert "leads back to itself" in rows["loop.xlsx"]["Message"]
    assert "outside the input folder" in rows["device.xlsx"]["Message"]
    assert "Office lock file" in rows["~$kent-equality-self-assessment-2025-26.xlsx"]["Message"]
    said = " ".join(corpus["runs"][0].output.split())
    assert "skipped" in said and "pipe.xlsx" in said
    # A file and a link to it in a sub-folder: two verdict lines, one return used.
    name = "bedfordshire-equality-self-assessment-2025-26.xlsx"
    assert {log[name]["Verdict"], log[f"sub/{name}"]["Verdict"]} == {SUPERSEDED, ACCEPTED}
    assert "Staffordshire return - final" in log and "scan of return.pdf" in log
