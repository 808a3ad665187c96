"""Feedback as people receive it: the summary workbook, and each OPCC's marked-up copy."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from pathlib import Path

import pytest
from helpers import (
    GENERATED,
    YEAR,
    edit,
    filled_return,
    needs_libreoffice,
    recalculate,
    returned,
    row_number,
)
from openpyxl import load_workbook

from pipeline import feedback, layout, validate, vocabulary, workbook
from pipeline.feedback import FEEDBACK_SHEET


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, member_list):
    """Four returns as they arrive: one clean, one with warnings, one unreadable, one for a
    member that does not exist. Made once: the batch never changes its input files."""
    root = tmp_path_factory.mktemp("feedback")
    folder = root / "inbox"
    by_code = member_list.set_index("code", drop=False)

    def make_workbook(code: str) -> Path:
        member = by_code.loc[code].to_dict()
        return workbook.generate_workbook(member, YEAR, root / "blank", generated=GENERATED)

    filled_return(make_workbook("kent"), returned(folder, "kent"))

    def formula_text(book):
        ws = book[layout.SECTION_SHEETS[1]]
        cell = ws.cell(row=row_number(ws, "3.2.b"), column=4)
        cell.value = "=1+2"
        cell.data_type = "s"  # typed as text, with a leading apostrophe

    edit(
        filled_return(
            make_workbook("surrey"),
            returned(folder, "surrey"),
            statuses={"6.1.a": "Done"},
            answers={"4.1.a": {"evidence": None}},
            profile={"contact_name": None},
        ),
        formula_text,
    )
    (folder / "Sussex return (final).xlsx").write_text("Sussex: all met. See my email")

    def atlantis(book):
        book[layout.META_SHEET]["B4"].value = "atlantis"
        book[layout.PROFILE_SHEET]["B3"].value = "atlantis"

    edit(
        filled_return(make_workbook("essex"), folder / "Atlantis ..return.xlsx"),
        atlantis,
    )
    return folder


@pytest.fixture(scope="module")
def batch(inbox, member_list, fw):
    return validate.check_returns([inbox], member_list, framework=fw)


def sheet_rows(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(values_only=True)]


def test_summary_lists_every_file_and_every_problem(batch, tmp_path):
    path = feedback.write_validation_summary(batch, tmp_path / "out" / "summary.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Returns", "Problems", "Rules"]
    returns = sheet_rows(book["Returns"])
    assert returns[0] == (
        "File",
        "OPCC",
        "Verdict",
        "Errors",
        "Warnings",
        "Sign-off date",
        "Superseded by",
        "Path",
    )
    verdicts = {row[0]: row[2] for row in returns[1:]}
    assert verdicts == {
        "Atlantis ..return.xlsx": "rejected",
        "Sussex return (final).xlsx": "rejected",
        returned(tmp_path, "kent").name: "accepted",
        returned(tmp_path, "surrey").name: "accepted with warnings",
    }
    kent = next(row for row in returns if row[1] == "kent")
    assert kent[5] == dt.datetime(2026, 5, 20)
    problems = sheet_rows(book["Problems"])
    assert problems[0] == (
        "Code",
        "Severity",
        "File",
        "OPCC",
        "Sheet",
        "Cell",
        "Message",
        "How to fix",
    )
    assert len(problems) - 1 == len(batch.problems)
    assert [row[0] for row in problems[1:]] == batch.problems["code"].tolist()
    assert {row[0] for row in sheet_rows(book["Rules"])[1:]} >= {"E001", "W101", "W123"}
    # Written row by row as the workbook is saved, each row still filtered, dated and fitted.
    sheet = book["Problems"]
    assert sheet.auto_filter.ref == f"A1:H{len(batch.problems) + 1}"
    assert book["Returns"]["F" + str(returns.index(kent) + 1)].number_format == "dd/mm/yyyy"
    long = next(n for n, row in enumerate(problems[1:], start=2) if len(row[6]) > 100)
    assert sheet.row_dimensions[long].height > 15 and sheet[f"G{long}"].alignment.wrap_text


def test_text_from_a_return_is_never_a_formula(batch, tmp_path):
    outputs = feedback.write_outputs(batch, tmp_path / "out")
    invalid = batch.problems[batch.problems["message"].str.contains("'=1+2'", regex=False)]
    assert len(invalid) == 1
    for path in outputs:
        for ws in load_workbook(path).worksheets:
            if ws.title in layout.SECTION_SHEETS.values() or ws.title == layout.SCORECARD_SHEET:
                continue  # the OPCC's own sheets, as they sent them
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.coordinate)


def test_feedback_marks_each_problem_in_a_copy_of_the_opcc_workbook(batch, inbox, tmp_path):
    source = returned(inbox, "surrey")
    before = (source.read_bytes(), source.stat().st_mtime_ns)
    written = feedback.write_feedback(batch, tmp_path / "out")
    assert (source.read_bytes(), source.stat().st_mtime_ns) == before

    assert [p.name for p in written] == sorted(
        [
            "surrey-feedback.xlsx",
            "sussex-return-final-feedback.xlsx",
            "atlantis-return-feedback.xlsx",
        ]
    )
    book = load_workbook(tmp_path / "out" / "surrey-feedback.xlsx")
    assert book.sheetnames[0] == FEEDBACK_SHEET
    assert book.sheetnames[1:] == load_workbook(source).sheetnames
    assert book.active.title == FEEDBACK_SHEET

    surrey = batch.problems[batch.problems["opcc_code"] == "surrey"]
    assert set(surrey["code"]) == {"W101", "W103", "W108"}
    for problem in surrey.itertuples():
        cell = book[problem.sheet][problem.cell]
        assert cell.fill.fgColor.rgb.endswith(feedback.FILLS["warning"].fgColor.rgb[-6:])
        assert cell.comment is not None
        assert cell.comment.text.startswith(problem.code)
        assert problem.fix in cell.comment.text
    invalid = surrey[surrey["message"].str.contains("'Done'")].iloc[0]
    assert book[invalid.sheet][invalid.cell].value == "Done"  # the answer itself is untouched

    rows = sheet_rows(book[FEEDBACK_SHEET])
    header = rows.index(("Code", "Severity", "Sheet", "Cell", "Problem", "How to fix"))
    listed = rows[header + 1 :]
    assert [row[0] for row in listed] == surrey["code"].tolist()
    assert [row[3] for row in listed] == surrey["cell"].tolist()
    assert all(not row[4].startswith("[") for row in listed)
    assert any("accepted and scored, with 4 warning(s)" in (row[0] or "") for row in rows)
    link = book[FEEDBACK_SHEET].cell(row=header + 2, column=4).hyperlink
    assert link.location == f"'{listed[0][2]}'!{listed[0][3]}"


def test_unreadable_files_get_the_feedback_sheet_alone(batch, tmp_path):
    feedback.write_feedback(batch, tmp_path / "out")
    book = load_workbook(tmp_path / "out" / "sussex-return-final-feedback.xlsx")
    assert book.sheetnames == [FEEDBACK_SHEET]
    text = " ".join(str(v) for row in sheet_rows(book.active) for v in row if v)
    assert "could not be used" in text and "E001" in text
    assert "listed here only" in text


def test_a_rejected_but_readable_return_is_marked_up_and_named_by_its_file(batch, tmp_path):
    feedback.write_feedback(batch, tmp_path / "out")
    book = load_workbook(tmp_path / "out" / "atlantis-return-feedback.xlsx")
    assert book.sheetnames[0] == FEEDBACK_SHEET and len(book.sheetnames) > 1
    rows = sheet_rows(book[FEEDBACK_SHEET])
    assert any("Member code: not identified" in (row[0] or "") for row in rows)
    assert any(row[0] == "E010" for row in rows)


def test_no_feedback_for_clean_or_superseded_returns_and_names_stay_distinct(
    make_workbook, tmp_path, member_list
):
    inbox = tmp_path / "inbox"
    blank = make_workbook("kent")
    filled_return(blank, inbox / "kent final.xlsx", statuses={"1.1.a": "Yes"})
    filled_return(blank, inbox / "kent draft.xlsx", profile={"signoff_date": dt.date(2026, 1, 5)})
    edit(
        filled_return(blank, inbox / "kent last year.xlsx"),
        lambda book: book[layout.META_SHEET].__setitem__("B5", "2024-25"),
    )
    filled_return(make_workbook("surrey"), returned(inbox, "surrey"))
    batch = validate.check_returns([inbox], member_list, year=YEAR)
    verdicts = dict(zip(batch.log["file"], batch.log["verdict"], strict=True))
    assert verdicts["kent draft.xlsx"] == vocabulary.SUPERSEDED
    assert verdicts["kent last year.xlsx"] == vocabulary.REJECTED
    written = feedback.write_feedback(batch, tmp_path / "out")
    # The wrong-year return is the APCC's to sort out (E012): no feedback asks kent to resend.
    assert [p.name for p in written] == ["kent-feedback.xlsx"]
    rows = sheet_rows(load_workbook(written[0])[FEEDBACK_SHEET])
    assert any(row[0] == "File: kent final.xlsx" for row in rows)


def test_the_same_batch_gives_the_same_bytes(batch, tmp_path):
    first = feedback.write_outputs(batch, tmp_path / "one")
    second = feedback.write_outputs(batch, tmp_path / "two")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_feedback_job_pickles_and_writes_the_same_bytes_elsewhere(batch, tmp_path):
    """A run hands the jobs to its worker processes: a job pickled and restored writes the very
    file the job writes here, and needs no template of its own (a worker builds no workbook)."""
    jobs = feedback.feedback_jobs(batch, demo=True)
    names = feedback.feedback_names(batch.log, batch.problems).values()
    assert [name for name, _ in jobs] == [name.replace(".xlsx", "-DEMO.xlsx") for name in names]
    restored = [(name, pickle.loads(pickle.dumps(write))) for name, write in jobs]
    feedback._template_parts.cache_clear()  # as in a fresh worker
    for (name, write), (_, copy) in zip(jobs, restored, strict=True):
        here = write(tmp_path / "here" / name)
        there = copy(tmp_path / "there" / name)
        assert there.read_bytes() == here.read_bytes(), name
    assert feedback._template_parts.cache_info().currsize == 0
    copied = load_workbook(tmp_path / "there" / "surrey-feedback-DEMO.xlsx")
    assert {FEEDBACK_SHEET, layout.PROFILE_SHEET} <= set(copied.sheetnames)  # a marked copy


@needs_libreoffice
def test_feedback_opens_in_libreoffice_with_every_problem_shown(batch, tmp_path):
    names = feedback.feedback_names(batch.log)
    written = feedback.write_feedback(batch, tmp_path / "out")
    reopened = recalculate(written, tmp_path / "libreoffice")
    files = {name: file for file, name in names.items()}
    for saved in reopened:
        book = load_workbook(saved)
        assert book.sheetnames[0] == FEEDBACK_SHEET
        listed = [row[0] for row in sheet_rows(book[FEEDBACK_SHEET]) if row[0]]
        problems = batch.problems[batch.problems["file"] == files[saved.name]]
        assert len(problems)
        for problem in problems.itertuples():
            assert problem.code in listed, (saved.name, problem.code)
            if problem.sheet and problem.sheet in book.sheetnames and problem.cell:
                cell = book[problem.sheet][problem.cell]
                assert cell.comment is not None and problem.code in cell.comment.text
                shade = feedback.FILLS[problem.severity].fgColor.rgb[-6:]
                assert cell.fill.fgColor.rgb[-6:] == shade


def _command_text(text: str) -> list[str]:
    """Command-line text an OPCC cannot act on: `equality <command>` or an --option."""
    from pipeline.cli import main

    commands = "|".join(sorted(main.commands))
    return re.findall(rf"\bequality (?:{commands})\b|(?<![\w-])--[a-z]|`", text)


def test_every_opcc_wording_is_free_of_command_line_text():
    from pipeline.problems import APCC, OPCC, Code

    sample = {name: "x" for name in ("code", "found", "expected", "size", "limit", "who")}
    for code in Code:
        problem = code.problem(file="kent.xlsx", **sample)
        assert not _command_text(problem.what(OPCC) + " " + problem.how(OPCC)), code.name
    # The APCC's wording keeps the commands it runs.
    e012 = Code.E012.problem(file="kent.xlsx", found="2024-25", expected="2025-26")
    assert "--year 2024-25" in e012.how(APCC)


def test_feedback_workbooks_hold_no_command_line_text(batch, tmp_path):
    written = feedback.write_feedback(batch, tmp_path / "out")
    assert len(written) >= 3
    codes_seen = set()
    for path in written:
        book = load_workbook(path)
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    text = " ".join(
                        str(part)
                        for part in (cell.value, cell.comment and cell.comment.text)
                        if part
                    )
                    assert not _command_text(text), (path.name, ws.title, cell.coordinate, text)
        codes_seen |= {r[0] for r in book[feedback.FEEDBACK_SHEET].iter_rows(values_only=True)}
    assert {"E010", "W103"} <= codes_seen
