"""The second year: a run's year record, and next year's workbooks prefilled from it.

Last year's returns are generated and filled with the project's own tools, run through the batch
with last year's member list (where one body had an old code and one body has since left), and
next year's workbooks are made from the record with this year's list, then read back.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import GONE, OLD_CODE, convert, two_year_member_lists

from pipeline import fill, history, layout, members, prefill, run, scoring, validate, workbook
from pipeline.cli import main
from pipeline.outputs import save_workbook, sha256_file

LAST, NEXT = "2025-26", "2026-27"
RUN_DATE = dt.date(2026, 5, 1)
PASSED = dt.date(2025, 12, 31)  # before 1 April 2026
FUTURE = dt.date(2026, 9, 30)
FORMULA_TEXT = '=HYPERLINK("https://attacker.example","click")'


def iso(dates: pd.Series) -> list[str]:
    return pd.to_datetime(dates).dt.strftime("%Y-%m-%d").fillna("").tolist()


def answers(fw) -> dict[str, dict[str, object]]:
    """West Midlands' return: every kind of answer, and text that looks like formulas."""
    result: dict[str, dict[str, object]] = {}
    for criterion in fw.criteria:
        result[criterion.id] = {
            "status": "Met",
            "evidence": f"Evidence for {criterion.id}.",
            "evidence_link": f"https://www.west-midlands-pcc.example/{criterion.id}",
            "owner": "Head of Policy",
        }
    result["2.3.a"] = {"status": "Not met", "owner": "Chief Executive", "target_date": PASSED}
    result["2.3.b"] = {"status": "Partially met", "owner": "+cmd|' /C calc'!A0"}
    result["2.3.b"]["target_date"] = FUTURE
    result["3.1.a"] = {"status": "Not applicable", "na_reason": "@SUM(1+1) no custody suite"}
    result["3.3.a"] = {"status": None, "evidence": None, "evidence_link": None, "owner": None}
    return result


PROFILE = {
    "lead_role": "Head of Policy",
    "contact_name": "A. Person",
    "contact_email": "equality@west-midlands.example",
    "employees": 42,
    "signoff_role": "Chief Executive",
    "signoff_date": dt.date(2026, 3, 1),
    "equality_statement": "The Commissioner is committed to equality.",
    "published_links": "https://www.west-midlands-pcc.example/equality",
}
OBJECTIVE = {
    "objective": "Increase trust among Black residents",
    "related_themes": "3, 9",
    "measure": "Survey trust",
    "baseline": "52%",
    "target": "60%",
    "progress": "On track",
    "commentary": "- ahead of plan",
}


def type_as_text(path: Path, criterion_id: str, key: str, text: str) -> None:
    """Put formula-looking text in a cell as text (what Google Sheets or a leading ' gives)."""
    book = openpyxl.load_workbook(path)
    rows, _ = fill.locate(book)
    ws, row, columns = rows[criterion_id]
    cell = ws.cell(row=row, column=columns[layout.CRITERION_COLUMNS[key].lower()])
    cell.value = text
    cell.data_type = "s"
    save_workbook(book, path)


@pytest.fixture(scope="module")
def last_year(tmp_path_factory, fw) -> dict:
    root = tmp_path_factory.mktemp("second-year")
    last_list, this_list = two_year_member_lists(root)
    listed = members.load_members(last_list).set_index("code", drop=False)
    blank_dir = root / "blank"
    blank = {
        code: workbook.generate_workbook(
            listed.loc[code].to_dict(), LAST, blank_dir, generated=dt.date(2025, 4, 1)
        )
        for code in ("west-midlands", "kent", OLD_CODE, GONE, "dorset")
    }
    inbox = root / "input"
    inbox.mkdir()
    west = fill.fill_workbook(
        blank["west-midlands"],
        inbox / blank["west-midlands"].name,
        answers=answers(fw),
        profile=PROFILE,
        objectives=[OBJECTIVE],
        commentary={1: "We publish our data quarterly.", 2: "'Quoted' on purpose."},
    )
    type_as_text(west, "1.1.a", "evidence", FORMULA_TEXT)
    everything_met = {c.id: {"status": "Met", "evidence": "Done."} for c in fw.criteria}
    for code in ("kent", OLD_CODE, GONE):
        fill.fill_workbook(
            blank[code],
            inbox / blank[code].name,
            answers=everything_met,
            profile=dict(PROFILE, signoff_date=dt.date(2026, 3, 2)),
        )
    # Kent's early draft is superseded by the return above (a later sign-off date).
    fill.fill_workbook(
        blank["kent"],
        inbox / "kent-draft.xlsx",
        statuses={"1.1.a": "Not met"},
        profile=dict(PROFILE, signoff_date=dt.date(2026, 1, 5)),
    )
    # Dorset's return is for another framework edition: rejected, so not in the record.
    book = openpyxl.load_workbook(blank["dorset"])
    for row in book[layout.META_SHEET].iter_rows():
        if row[0].value == "framework_edition":
            row[1].value = "2023-24"
    book.save(inbox / blank["dorset"].name)
    out = root / "output"
    result = run.run(inbox, out, year=LAST, members_file=last_list, generated=RUN_DATE, workers=1)
    return {
        "root": root,
        "result": result,
        "folder": out / LAST,
        "this_list": this_list,
        "west": west,
        "inbox": inbox,
        "last_list": last_list,
    }


@pytest.fixture(scope="module")
def whole_batch(last_year):
    """The run's returns read again, whole: the run kept their evidence only while it ran."""
    listed = members.load_members(last_year["last_list"])
    return validate.check_returns([last_year["inbox"]], listed, year=LAST, today=RUN_DATE)


@pytest.fixture(scope="module")
def record(last_year) -> history.Record:
    return history.load_record(last_year["folder"])


@pytest.fixture(scope="module")
def prefilled(last_year) -> dict:
    out = last_year["root"] / "workbooks"
    result = CliRunner().invoke(
        main,
        [
            "workbook",
            "--all",
            "--from",
            str(last_year["folder"]),
            "--members",
            str(last_year["this_list"]),
            "--out",
            str(out),
            "--date",
            "2026-04-01",
        ],
        catch_exceptions=False,
    )
    return {"result": result, "out": out}


def prefilled_path(prefilled: dict, code: str) -> Path:
    return prefilled["out"] / layout.WORKBOOK_NAME.format(code=code, year=NEXT)


# --- the record ---------------------------------------------------------------------------------


def test_the_run_writes_a_record_of_its_accepted_returns(last_year):
    folder = last_year["folder"] / "record"
    manifest = json.loads((folder / "record.json").read_text(encoding="utf-8"))
    assert manifest["format"] == history.RECORD_FORMAT
    assert manifest["record_version"] == history.RECORD_VERSION == 1
    assert manifest["year"] == LAST and manifest["demo"] is False
    assert manifest["framework_edition"] == "2024-25"
    # Accepted and with warnings only: not Dorset (rejected), not Kent's draft (superseded).
    assert manifest["members"] == sorted(["west-midlands", "kent", OLD_CODE, GONE])
    kent = next(r for r in manifest["returns"] if r["opcc_code"] == "kent")
    assert kent["signoff_date"] == "2026-03-02" and kent["file"] != "kent-draft.xlsx"
    for name in history.TABLES:
        listed = manifest["tables"][f"{name}.csv"]
        assert listed["sha256"] == sha256_file(folder / f"{name}.csv")
    run_json = json.loads((last_year["folder"] / "run.json").read_text(encoding="utf-8"))
    outputs = {o["file"] for o in run_json["outputs"]}
    assert {f"record/{name}.csv" for name in history.TABLES} | {"record/record.json"} <= outputs


def test_the_record_reads_back_as_the_run_scored_it(last_year, whole_batch, record, fw):
    assert [r.path for r in whole_batch.returns] == [
        r.path for r in last_year["result"].batch.returns
    ]
    batch = whole_batch
    responses = batch.responses.sort_values("opcc_code", kind="stable", ignore_index=True)
    for column in ("opcc_code", "criterion_id", "status", "evidence", "owner", "na_reason"):
        assert record.responses[column].tolist() == responses[column].tolist()
    assert iso(record.responses["target_date"]) == iso(responses["target_date"])
    assert record.responses["satisfied"].tolist() == scoring.satisfied(responses).tolist()
    west = record.table("responses", "west-midlands").set_index("criterion_id")
    assert west.loc["1.1.a", "evidence"] == FORMULA_TEXT
    assert west.loc["2.3.b", "owner"] == "+cmd|' /C calc'!A0"
    assert west.loc["2.3.a", "target_date"] == pd.Timestamp(PASSED)
    themes = last_year["result"].scores.themes.sort_values("opcc_code", kind="stable")
    assert record.themes["level"].tolist() == themes["level"].tolist()
    assert record.themes["level_rank"].tolist() == themes["level_rank"].tolist()
    assert set(record.sections["opcc_code"]) == set(record.members)
    assert record.table("commentary", "west-midlands").set_index("theme").loc[2, "text"] == (
        "'Quoted' on purpose."
    )
    assert record.table("objectives", "west-midlands")["commentary"].tolist() == ["- ahead of plan"]
    profile = record.table("profile", "west-midlands").iloc[0]
    assert profile["employees"] == 42 and profile["lead_role"] == "Head of Policy"
    assert "contact_name" not in record.profile.columns
    assert "contact_email" not in record.profile.columns


def test_formula_looking_text_is_quoted_in_the_csv(last_year):
    text = (last_year["folder"] / "record" / "responses.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    by_id = {r["criterion_id"]: r for r in rows if r["opcc_code"] == "west-midlands"}
    assert by_id["1.1.a"]["evidence"] == "'" + FORMULA_TEXT
    assert by_id["3.1.a"]["na_reason"].startswith("'@SUM")


def test_the_record_is_repeatable(last_year, whole_batch, tmp_path, fw):
    result = last_year["result"]
    written = history.write_record(
        tmp_path,
        returns=whole_batch.returns,
        log=result.batch.log,
        scores=result.scores,
        framework=fw,
        year=LAST,
        demo=False,
        generated=RUN_DATE,
    )
    for path in written:
        assert path.read_bytes() == (last_year["folder"] / "record" / path.name).read_bytes()


def copy_record(last_year, tmp_path: Path) -> Path:
    folder = tmp_path / LAST
    shutil.copytree(last_year["folder"] / "record", folder / "record")
    return folder


def edit_manifest(folder: Path, **changes) -> None:
    path = folder / "record" / "record.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_records_that_cannot_be_used_are_refused(last_year, tmp_path):
    with pytest.raises(history.NotAnOutputError, match="is not the output folder"):
        history.load_record(tmp_path)
    with pytest.raises(history.NotAnOutputError, match=r"several years.*2025-26"):
        history.load_record(last_year["folder"].parent)
    cases = [
        ({"demo": True}, history.DemoRecordError, "demo run"),
        ({"framework_edition": "2023-24"}, history.EditionError, "edition 2023-24"),
        ({"record_version": 99}, history.RecordVersionError, "format version 99"),
        ({"format": "something-else"}, history.NotAnOutputError, "not an equality year record"),
    ]
    for number, (changes, error, message) in enumerate(cases):
        folder = copy_record(last_year, tmp_path / str(number))
        edit_manifest(folder, **changes)
        with pytest.raises(error, match=message):
            history.load_record(folder)
    folder = copy_record(last_year, tmp_path / "edited")
    with open(folder / "record" / "themes.csv", "a", encoding="utf-8") as handle:
        handle.write("kent,1,1,x,Advancing,3,0,0,0,0,0,0,0\n")
    with pytest.raises(history.DamagedRecordError, match="has changed"):
        history.load_record(folder)


def test_the_cli_turns_a_bad_from_folder_into_exit_2(last_year, tmp_path):
    def workbooks(folder: Path, *extra: str):
        return CliRunner().invoke(
            main, ["workbook", "--all", "--from", str(folder), "--out", str(tmp_path), *extra]
        )

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "run.txt").write_text("hello", encoding="utf-8")
    result = workbooks(tmp_path / "notes")
    assert result.exit_code == 2
    assert "is not the output folder of an equality run" in result.output
    assert "Traceback" not in result.output
    demo = copy_record(last_year, tmp_path / "demo")
    edit_manifest(demo, demo=True)
    assert workbooks(demo).exit_code == 2
    edition = copy_record(last_year, tmp_path / "edition")
    edit_manifest(edition, framework_edition="2023-24")
    result = workbooks(edition)
    assert result.exit_code == 2 and "not supported yet" in result.output
    result = workbooks(last_year["folder"], "--year", LAST)
    assert result.exit_code == 2 and "later year" in result.output
    assert not list(tmp_path.glob("*.xlsx"))


# --- the member list's previous codes -----------------------------------------------------------


def test_previous_codes_are_optional_and_checked(tmp_path, last_year):
    assert members.previous_codes() == {}
    assert members.previous_codes(last_year["this_list"]) == {"avon-and-somerset": (OLD_CODE,)}
    without = tmp_path / "plain.csv"
    members.load_members().to_csv(without, index=False)
    assert members.previous_codes(without) == {}
    frame = members.load_members().assign(previous_codes="")
    frame.loc[frame["code"] == "kent", "previous_codes"] = "essex; Old Kent"
    frame.loc[frame["code"] == "surrey", "previous_codes"] = "old-x"
    frame.loc[frame["code"] == "sussex", "previous_codes"] = "old-x"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    with pytest.raises(members.MembersError) as caught:
        members.previous_codes(bad)
    message = str(caught.value)
    assert "'essex' is a current member code" in message
    assert "'Old Kent' must be lower-case" in message
    assert "'old-x' is also listed for 'surrey'" in message


# --- prefilled workbooks ------------------------------------------------------------------------


def criterion_rows(path: Path) -> dict[str, tuple]:
    """criterion id -> (sheet, row number, header label -> column) of a workbook on disk."""
    book = openpyxl.load_workbook(path)
    rows, comments = fill.locate(book)
    return book, rows, comments


def test_the_command_says_what_was_carried(prefilled):
    result = prefilled["result"]
    assert result.exit_code == 0, result.output + result.stderr
    assert len(list(prefilled["out"].glob("*.xlsx"))) == 43
    assert "3 workbook(s) for 2026-27 carry the 2025-26 return; 40 start blank" in result.stderr
    assert f"avon-and-somerset: carried from the 2025-26 return of {OLD_CODE}" in result.stderr
    assert f"Not carried: the 2025-26 return(s) of {GONE}" in result.stderr


def test_last_years_answers_are_in_the_input_cells(prefilled, record):
    book, rows, comments = criterion_rows(prefilled_path(prefilled, "west-midlands"))
    labels = layout.CRITERION_COLUMNS
    recorded = record.table("responses", "west-midlands").set_index("criterion_id")
    for cid in recorded.index:
        ws, row, columns = rows[cid]
        cell = {
            key: ws.cell(row=row, column=columns[label.lower()]) for key, label in labels.items()
        }
        expected = recorded.loc[cid]
        assert cell["status"].value == (expected["status"] or None), cid
        for key in ("evidence", "evidence_link", "owner", "na_reason"):
            assert cell[key].value == (expected[key] or None), (cid, key)
            assert cell[key].data_type in ("s", "n"), (cid, key)
        date = cell["target_date"].value
        if pd.isna(expected["target_date"]):
            assert date is None
        else:
            assert date.date() == expected["target_date"].date()
    evidence = rows["1.1.a"][0].cell(rows["1.1.a"][1], 5)
    assert evidence.value == FORMULA_TEXT and evidence.data_type == "s"
    ws, row, column = comments[1]
    assert ws.cell(row=row, column=column).value == "We publish our data quarterly."
    objectives = book[layout.OBJECTIVES_SHEET]
    assert objectives["B3"].value == OBJECTIVE["objective"]
    assert objectives["H3"].value == "- ahead of plan"
    profile = {
        row[0].value: row[1].value for row in book[layout.PROFILE_SHEET].iter_rows(max_col=2)
    }
    assert profile["Number of OPCC employees"] == 42
    assert profile["Equality lead (role)"] == "Head of Policy"
    assert profile["Contact name"] is None and profile["Sign-off date"] is None
    assert profile["Reporting year"] == NEXT


def test_every_carried_row_is_marked_and_passed_dates_are_flagged(prefilled, fw):
    book, rows, comments = criterion_rows(prefilled_path(prefilled, "west-midlands"))
    marker = "Carried from 2025-26 — check and update"
    for cid in (c.id for c in fw.criteria):
        ws, row, _ = rows[cid]
        value = ws.cell(row=row, column=prefill.MARKER_COLUMN).value
        if cid == "3.3.a":  # blank last year: nothing carried
            assert value is None
        else:
            assert value.startswith(marker), cid
    ws, row, columns = rows["2.3.a"]
    assert "31/12/2025 passed before 2026-27 began" in ws.cell(row, prefill.MARKER_COLUMN).value
    date_cell = ws.cell(row=row, column=columns["target date"])
    assert "passed before 2026-27 began" in date_cell.comment.text
    ws, row, columns = rows["2.3.b"]
    assert "passed" not in ws.cell(row, prefill.MARKER_COLUMN).value
    assert ws.cell(row=row, column=columns["target date"]).comment is None
    rules = [
        rule.formula[0]
        for ranges in ws.conditional_formatting
        for rule in ranges.rules
        if "DATE(2026,4,1)" in rule.formula[0]
    ]
    assert rules, "no live rule shading passed target dates"
    ws, row, _ = comments[1]
    assert ws.cell(row=row, column=prefill.MARKER_COLUMN).value == marker
    assert book[layout.OBJECTIVES_SHEET].cell(3, prefill.OBJECTIVE_MARKER_COLUMN).value == marker
    start = [r for r in book[layout.START_SHEET].iter_rows(values_only=True) if r[0]]
    note = next(text for label, text in start if label == "Carried from 2025-26")
    assert "starts from your accepted 2025-26 return" in note


def rules_of(ws) -> list[tuple]:
    return [(v.type, v.formula1, str(v.sqref)) for v in ws.data_validations.dataValidation]


def test_protection_and_dropdowns_are_kept(prefilled, tmp_path, member_list):
    path = prefilled_path(prefilled, "west-midlands")
    blank = workbook.generate_workbook(
        member_list.set_index("code", drop=False).loc["west-midlands"].to_dict(),
        NEXT,
        tmp_path,
        generated=dt.date(2026, 4, 1),
    )
    carried, fresh = openpyxl.load_workbook(path), openpyxl.load_workbook(blank)
    assert carried.security.lockStructure
    for name in fresh.sheetnames:
        assert carried[name].protection.sheet == fresh[name].protection.sheet
        assert [
            (v.type, v.formula1, str(v.sqref))
            for v in carried[name].data_validations.dataValidation
        ] == [
            (v.type, v.formula1, str(v.sqref)) for v in fresh[name].data_validations.dataValidation
        ]


def test_a_member_with_no_return_gets_the_blank_workbook(prefilled, tmp_path, member_list):
    blank = workbook.generate_workbook(
        member_list.set_index("code", drop=False).loc["cumbria"].to_dict(),
        NEXT,
        tmp_path,
        generated=dt.date(2026, 4, 1),
    )
    assert prefilled_path(prefilled, "cumbria").read_bytes() == blank.read_bytes()


def test_the_renamed_member_gets_its_old_codes_return(prefilled):
    book, rows, _ = criterion_rows(prefilled_path(prefilled, "avon-and-somerset"))
    ws, row, columns = rows["1.1.a"]
    assert ws.cell(row=row, column=columns["status"]).value == "Met"
    assert ws.cell(row=row, column=columns["evidence"]).value == "Done."
    meta = {r[0]: r[1] for r in book[layout.META_SHEET].iter_rows(values_only=True)}
    assert meta["opcc_code"] == "avon-and-somerset" and meta["reporting_year"] == NEXT


def test_a_prefilled_workbook_returned_unchanged_scores_as_last_year(
    prefilled, record, last_year, fw
):
    path = prefilled_path(prefilled, "west-midlands")
    this_list = members.load_members(last_year["this_list"])
    found, problems = validate.check_file(path, this_list, year=NEXT, framework=fw)
    assert found is not None, problems
    assert all(p.severity != "error" for p in problems)
    codes = {p.code for p in problems}
    # Only what a new year makes: the new sign-off and contacts are blank, a passed target date.
    assert codes <= {"W102", "W107", "W108"}, codes
    last = record.table("responses", "west-midlands")
    now = found.responses.reset_index(drop=True)
    for column in ("criterion_id", "status", "evidence", "evidence_link", "owner", "na_reason"):
        assert now[column].fillna("").tolist() == last[column].tolist(), column
    assert iso(now["target_date"]) == iso(last["target_date"])
    levels = scoring.theme_levels(found.responses, fw)
    assert levels["level"].tolist() == record.table("themes", "west-midlands")["level"].tolist()
    assert found.commentary.set_index("theme").loc[1, "text"] == "We publish our data quarterly."
    assert found.objectives["objective"].tolist() == [OBJECTIVE["objective"]]
    assert found.reporting_year == NEXT


def test_a_prefilled_workbook_opens_in_libreoffice(prefilled, tmp_path):
    (pdf,) = convert([prefilled_path(prefilled, "west-midlands")], "pdf", tmp_path)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not found")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Carried from 2025-26" in text
    assert "Head of Policy" in text


def test_a_run_on_a_demo_folder_keeps_a_demo_record(last_year, tmp_path):
    from pipeline import demo

    inbox = tmp_path / "demo-returns"
    inbox.mkdir()
    shutil.copy(last_year["west"], inbox / last_year["west"].name)
    (inbox / demo.MARKER_NAME).write_text("{}", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(inbox), "--out", str(out), "--year", LAST, "--date", str(RUN_DATE)]
    )
    assert result.exit_code == 0, result.output
    assert not (out / LAST).exists()
    with pytest.raises(history.DemoRecordError):
        history.load_record(out / f"demo-{LAST}")
    # Invented returns are never carried into next year's workbooks.
    carried = CliRunner().invoke(
        main,
        ["workbook", "--all", "--from", str(out / f"demo-{LAST}"), "--out", str(tmp_path / "wb")],
    )
    assert carried.exit_code == 2 and "demo run" in carried.output
    assert not (tmp_path / "wb").exists()
