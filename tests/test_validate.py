"""Every rule of the catalogue on a real return, and the verdicts of a batch."""

from __future__ import annotations

import datetime as dt
import os
import pickle

import pandas as pd
import pytest
from helpers import (
    NOT_APPLICABLE_ID,
    OPEN_THEME,
    SIGNOFF,
    YEAR,
    codes,
    edit,
    filled_return,
    only,
    returned,
    row_number,
)
from openpyxl import load_workbook
from openpyxl.packaging.custom import CustomPropertyList

from pipeline import layout, problems, scoring, validate, vocabulary
from pipeline.problems import APCC, Code
from pipeline.returns import RESPONSE_COLUMNS


@pytest.fixture
def blank(make_workbook):
    return make_workbook("kent")


@pytest.fixture
def check(member_list, fw):
    def run(path, **options):
        return validate.check_file(path, member_list, framework=fw, **options)

    return run


def test_a_complete_return_is_accepted_with_nothing_to_say(blank, tmp_path, check):
    found, found_problems = check(filled_return(blank, returned(tmp_path)))
    assert found_problems == []
    assert found.opcc_code == "kent"


def test_the_catalogue_is_complete_and_documented():
    doc = problems.__doc__
    for code in Code:
        assert f"| {code.name} | {code.rule.name} |" in doc
        assert code.severity == ("error" if code.name.startswith("E") else "warning")
    assert len({c.rule.name for c in Code}) == len(Code)


def test_invalid_statuses_are_reported_where_they_are_and_scored_not_assessed(
    blank, tmp_path, check, fw
):
    path = filled_return(
        blank,
        returned(tmp_path),
        statuses={"3.2.b": "Done", "3.2.c": "  met ", "3.2.d": "N/A", "3.2.e": "partly met"},
        answers={"3.2.d": {"na_reason": "No such panel here."}},
    )
    found, found_problems = check(path)
    warning = only(found_problems, "W101")
    assert warning.message == (
        f"[sheet '{layout.SECTION_SHEETS[1]}', cell {warning.cell}] Status not recognised: "
        "criterion 3.2.b has 'Done', which is not a status; it is scored as not assessed."
    )
    assert "Met, Partially met, Not met or Not applicable" in warning.fix
    row = row_number_in(path, "3.2.b")
    assert warning.cell == f"D{row}"
    by_id = found.responses.set_index("criterion_id")
    assert by_id.loc["3.2.b", ["status", "status_raw"]].tolist() == ["", "Done"]
    assert by_id.loc["3.2.c":"3.2.e", "status"].tolist() == [
        vocabulary.MET,
        vocabulary.NOT_APPLICABLE,
        vocabulary.PARTIALLY_MET,
    ]
    themes = scoring.score(found.responses, fw).themes.set_index("theme")
    assert themes.loc[3, "level"] == "Developing"  # 3.2.b (and 3.2.e) do not count


def row_number_in(path, cid):
    book = load_workbook(path)
    for ws in book.worksheets:
        try:
            return row_number(ws, cid)
        except AssertionError:
            continue
    raise AssertionError(cid)


def test_blank_statuses_are_counted_per_theme(blank, tmp_path, check):
    path = filled_return(
        blank,
        returned(tmp_path),
        statuses={"5.2.a": None, "5.3.a": None, "9.1.a": None},
    )
    _, found_problems = check(path)
    blanks = [p for p in found_problems if p.code == "W102"]
    assert [p.message.split("] ")[1] for p in blanks] == [
        "Status missing: 2 of the 3 criteria of theme 5 (Participation in Democracy) have no "
        "Status: 5.2.a, 5.3.a. They are scored as not assessed.",
        "Status missing: 1 of the 8 criteria of theme 9 (Equality Objectives and Annual "
        "Reporting) have no Status: 9.1.a. They are scored as not assessed.",
    ]
    assert blanks[0].cell == f"D{row_number_in(path, '5.2.a')}"


def test_met_without_evidence_and_not_applicable_without_reason(blank, tmp_path, check, fw):
    path = filled_return(
        blank,
        returned(tmp_path),
        answers={"4.1.a": {"evidence": None}, NOT_APPLICABLE_ID: {"na_reason": "  "}},
    )
    found, found_problems = check(path)
    assert codes(found_problems) == ["W103", "W104"]
    evidence, reason = only(found_problems, "W103"), only(found_problems, "W104")
    assert evidence.cell == f"E{row_number_in(path, '4.1.a')}"
    assert "criterion 4.1.a is Met but its Evidence cell is empty" in evidence.message
    assert reason.cell == f"I{row_number_in(path, NOT_APPLICABLE_ID)}"
    assert "counted as not satisfied" in reason.message
    themes = scoring.score(found.responses, fw).themes.set_index("theme")
    assert themes.loc[1, "level"] == "Not yet Developing"  # 1.1.c is a Developing criterion


def test_edited_criterion_text(blank, tmp_path, check, fw):
    def damage(book):
        ws = book[layout.SECTION_SHEETS[2]]
        ws.cell(row=row_number(ws, "8.2.a"), column=3).value = "We do impact assessments."
        ws.cell(row=row_number(ws, "8.2.b"), column=3).value = (
            "  " + fw.frame.set_index("criterion_id").text["8.2.b"].upper() + " "
        )

    path = edit(filled_return(blank, returned(tmp_path)), damage)
    _, found_problems = check(path)
    warning = only(found_problems, "W105")  # case and spacing are not an edit
    assert "criterion 8.2.a differs from the framework" in warning.message
    assert fw.frame.set_index("criterion_id").text["8.2.a"] in warning.fix
    assert warning.cell == f"C{row_number_in(path, '8.2.a')}"


def test_target_dates_of_outstanding_criteria(blank, tmp_path, check):
    path = filled_return(
        blank,
        returned(tmp_path),
        answers={
            "16.3.a": {"target_date": "31/02/2027"},
            "16.3.b": {"target_date": dt.date(2026, 3, 31)},
            "2.1.a": {"target_date": "whenever"},  # Met: its date does not matter
            "2.1.b": {"target_date": dt.date(2020, 1, 1)},
        },
    )
    _, found_problems = check(path)
    assert codes(found_problems) == ["W106", "W107"]
    invalid, past = found_problems
    assert "criterion 16.3.a has the target date '31/02/2027', which is not a date" in (
        invalid.message
    )
    assert "dd/mm/yyyy" in invalid.fix
    assert (
        "criterion 16.3.b is Not met and its target date 31/03/2026 is before the sign-off "
        "date (20/05/2026)" in past.message
    )
    assert past.cell == f"H{row_number_in(path, '16.3.b')}"


def test_without_a_signoff_date_dates_are_judged_from_the_start_of_the_year(blank, tmp_path, check):
    path = filled_return(
        blank,
        returned(tmp_path),
        answers={"16.3.b": {"target_date": dt.date(2025, 3, 31)}},
        profile={"signoff_date": None},
    )
    _, found_problems = check(path)
    assert codes(found_problems) == ["W107", "W108"]
    assert "start of the reporting year 2025-26 (01/04/2025)" in found_problems[0].message
    assert "'Sign-off date' is empty" in found_problems[1].message


def test_a_signoff_date_after_the_check_is_warned_and_not_used_for_target_dates(
    blank, tmp_path, check
):
    path = filled_return(
        blank,
        returned(tmp_path),
        answers={
            "16.3.a": {"target_date": dt.date(2026, 9, 30)},  # after the check: still to come
            "16.3.b": {"target_date": dt.date(2026, 4, 30)},  # before the check: passed
        },
        profile={"signoff_date": dt.date(2027, 5, 20)},  # a slip for 2026
    )
    _, found_problems = check(path, today=dt.date(2026, 6, 1))
    assert codes(found_problems) == ["W107", "W126"]
    past, future = found_problems
    assert "16.3.b" in past.message and "date of this check (01/06/2026)" in past.message
    assert future.sheet == layout.PROFILE_SHEET and future.cell
    assert "20/05/2027 is after the date of this check (01/06/2026)" in future.message
    assert "dd/mm/yyyy" in future.fix
    # Checked on a later date, the same sign-off is in the past: no W126, sign-off judges.
    _, later = check(path, today=dt.date(2027, 6, 1))
    assert set(codes(later)) == {"W107"}
    assert {"16.3.a", "16.3.b"} <= {dict(p.values)["criterion"] for p in later}
    assert all("sign-off date (20/05/2027)" in p.message for p in later)


def test_profile_fields_missing_or_unreadable(blank, tmp_path, check):
    path = filled_return(
        blank,
        returned(tmp_path),
        profile={"contact_name": None, "published_links": " ", "employees": "lots"},
    )
    _, found_problems = check(path)
    assert codes(found_problems) == ["W108", "W108", "W109"]
    cells = {p.cell: p for p in found_problems}
    assert cells["B8"].message.endswith("'Contact name' is empty.")
    assert cells["B10"].code == "W109"  # unreadable, so not also reported as empty


def test_objectives_incomplete_with_unknown_progress_or_none(blank, tmp_path, check):
    path = filled_return(
        blank,
        returned(tmp_path),
        objectives=[
            {"objective": "Fairer stop and search", "measure": "Ratio", "progress": "Done"},
            {"objective": "Represent the county", "target": "11%", "progress": "on track"},
        ],
    )
    _, found_problems = check(path)
    assert codes(found_problems) == ["W110", "W110", "W111"]
    first, progress, second = found_problems
    assert (first.cell, second.cell, progress.cell) == ("F3", "D4", "G3")
    assert "objective 1 has no Target" in first.message
    assert "objective 2 has no Measure" in second.message
    assert "'Done'" in progress.message and "On track" in progress.fix

    _, found_problems = check(filled_return(blank, tmp_path / "none.xlsx", objectives=[]))
    assert codes(found_problems) == ["W112"]
    assert found_problems[0].sheet == layout.OBJECTIVES_SHEET


def test_unknown_member_is_rejected_and_names_no_one(blank, tmp_path, check):
    def damage(book):
        ws = book[layout.META_SHEET]
        ws["B4"].value = "atlantis"
        book[layout.PROFILE_SHEET]["B3"].value = "atlantis"
        book.custom_doc_props = CustomPropertyList()

    found, found_problems = check(edit(filled_return(blank, tmp_path / "a.xlsx"), damage))
    assert found is None
    error = only(found_problems, "E010")
    assert "'atlantis' is not in the member list" in error.message
    # The APCC's summary names the command and option; the OPCC's feedback says what to enter.
    assert "equality members" in error.how(APCC) and "--members" in error.how(APCC)
    assert "'Member code' on the Profile sheet" in error.fix and "--" not in error.fix
    assert {p.opcc_code for p in found_problems} == {""}


def test_a_return_for_another_year_is_rejected_only_when_a_year_is_asked(
    make_workbook, tmp_path, check
):
    path = filled_return(make_workbook("kent", "2024-25"), returned(tmp_path, year="2024-25"))
    found, found_problems = check(path, year=YEAR)
    assert found is None
    error = only(found_problems, "E012")
    assert "reporting year 2024-25; this batch is for 2025-26" in error.what(APCC)
    assert "--year 2024-25" in error.how(APCC)
    assert error.opcc_code == "kent"
    found, found_problems = check(path)
    assert found.reporting_year == "2024-25" and found_problems == []


def test_check_file_results_cross_process_boundaries(blank, tmp_path, check):
    found, found_problems = check(filled_return(blank, returned(tmp_path)))
    again = pickle.loads(pickle.dumps((found, found_problems)))
    pd.testing.assert_frame_equal(again[0].responses, found.responses)


# --- the batch ----------------------------------------------------------------------------------


def _stamp(path, day: dt.date):
    moment = dt.datetime.combine(day, dt.time(12)).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_the_later_signoff_wins_then_the_later_file(blank, tmp_path, member_list):
    inbox = tmp_path / "inbox"
    draft = filled_return(
        blank,
        inbox / "email-1" / "kent.xlsx",
        statuses={"5.1.a": None},
        profile={"signoff_date": dt.date(2026, 4, 30)},
    )
    final = filled_return(blank, inbox / "email-2" / "kent.xlsx")
    _stamp(draft, dt.date(2026, 6, 1))  # saved later, but signed off earlier
    _stamp(final, dt.date(2026, 5, 21))
    batch = validate.check_returns([inbox], member_list)
    log = batch.log.set_index("file")
    assert list(log.index) == ["email-1/kent.xlsx", "email-2/kent.xlsx"]
    assert log.loc["email-1/kent.xlsx", "verdict"] == vocabulary.SUPERSEDED
    assert log.loc["email-1/kent.xlsx", "superseded_by"] == "email-2/kent.xlsx"
    assert log.loc["email-2/kent.xlsx", "verdict"] == vocabulary.ACCEPTED
    assert log.loc["email-2/kent.xlsx", "signoff_date"] == SIGNOFF
    superseded = batch.problems[batch.problems["code"] == "W123"].iloc[0]
    assert superseded["file"] == "email-1/kent.xlsx"
    assert "a later sign-off date (20/05/2026)" in superseded["message"]
    assert [r.path for r in batch.returns] == [final]

    same_day = filled_return(blank, inbox / "email-3" / "kent.xlsx")
    _stamp(same_day, dt.date(2026, 5, 25))
    log = validate.check_returns([inbox], member_list).log.set_index("file")
    assert log.loc["email-3/kent.xlsx", "verdict"] == vocabulary.ACCEPTED
    assert log.loc["email-2/kent.xlsx", "verdict"] == vocabulary.SUPERSEDED


def test_batch_log_problems_and_frames(make_workbook, tmp_path, member_list, fw):
    inbox = tmp_path / "inbox"
    filled_return(make_workbook("kent"), returned(inbox, "kent"))
    filled_return(make_workbook("surrey"), returned(inbox, "surrey"), statuses={"1.1.a": "Yes"})
    (inbox / "notes.csv").write_text("not,a,return\n")
    batch = validate.check_returns([inbox], member_list, framework=fw)
    assert list(batch.log.columns) == validate.LOG_COLUMNS
    assert batch.log["verdict"].tolist() == [
        vocabulary.ACCEPTED,
        vocabulary.REJECTED,
        vocabulary.WITH_WARNINGS,
    ]
    assert batch.log["errors"].tolist() == [0, 1, 0]
    assert batch.log["warnings"].tolist() == [0, 0, 1]
    assert list(batch.problems.columns) == problems.PROBLEM_COLUMNS
    assert batch.problems["code"].tolist() == ["E001", "W101"]
    assert [r.opcc_code for r in batch.returns] == ["kent", "surrey"]
    assert list(batch.responses.columns) == RESPONSE_COLUMNS
    assert len(batch.responses) == 2 * len(fw.criteria)
    assert set(batch.objectives["opcc_code"]) == {"kent", "surrey"}
    assert len(batch.commentary) == 2 * len(fw.themes)


def test_problems_sort_in_reading_order():
    made = [
        Code.W101.problem(file="a.xlsx", sheet="1 Communities", cell=cell, criterion="x", value="y")
        for cell in ("D14", "D9", "AA2", "D100")
    ]
    ordered = sorted(made, key=problems.sort_key)
    assert [p.cell for p in ordered] == ["AA2", "D9", "D14", "D100"]


def test_discover_reads_every_file_and_lists_lock_and_hidden_files_as_skipped(tmp_path):
    names = [
        "kent.xlsx",
        "sub/surrey.XLSX",
        "sub/deeper/sussex.xlsm",
        "old/essex.xls",
        "old/essex.csv",
        "old/essex.ods",
        "~$kent.xlsx",
        ".~lock.kent.xlsx#",
        ".hidden.xlsx",
        ".git/x.xlsx",
        "notes.txt",
        "report.docx",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    extra = tmp_path / "given.pdf"
    extra.write_bytes(b"%PDF")
    found = validate.discover([tmp_path, extra, tmp_path / "kent.xlsx"])
    relative = [p.relative_to(tmp_path).as_posix() for p in found]
    assert relative == [
        "given.pdf",
        "kent.xlsx",
        "notes.txt",
        "report.docx",
        "old/essex.csv",
        "old/essex.ods",
        "old/essex.xls",
        "sub/surrey.XLSX",
        "sub/deeper/sussex.xlsm",
    ]
    _, skipped = validate.scan([tmp_path])
    assert sorted(p.relative_to(tmp_path).as_posix() for p, _ in skipped) == [
        ".git",
        ".hidden.xlsx",
        ".~lock.kent.xlsx#",
        "~$kent.xlsx",
    ]
    assert {problem.code for _, problem in skipped} == {"W125"}


def test_an_empty_batch(member_list):
    batch = validate.resolve([])
    assert batch.returns == [] and batch.log.empty and batch.problems.empty
    assert list(batch.responses.columns) == RESPONSE_COLUMNS


def test_score_table_columns(make_workbook, tmp_path, member_list, fw):
    filled_return(make_workbook("kent"), returned(tmp_path, "kent"))
    batch = validate.check_returns([tmp_path], member_list, framework=fw)
    themes = validate.score_table(batch, fw, "theme")
    assert list(themes.columns) == validate.SCORE_COLUMNS["theme"]
    assert len(themes) == len(fw.themes)
    by_theme = themes.set_index("theme")
    assert by_theme.loc[OPEN_THEME, "level"] == "Achieving"
    assert by_theme.loc[1, "level"] == "Advancing"
    sections = validate.score_table(batch, fw, "section")
    assert sections["level"].tolist() == ["Advancing", "Advancing", "Advancing", "Achieving"]


def test_messages_read_where_rule_what_and_quote_values_briefly():
    problem = Code.W108.problem(file="f.xlsx", sheet="Profile", cell="B8", label="Contact name")
    assert (
        problem.message == "[sheet 'Profile', cell B8] Profile incomplete: 'Contact name' is empty."
    )
    long = Code.W101.problem(file="f", criterion="1.1.a", value="x" * 40_000)
    assert len(long.message) < 700
