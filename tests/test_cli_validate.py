"""`equality validate` and `equality score`, driven as a user drives them."""

from __future__ import annotations

import csv
import io
import json

import msoffcrypto.format.ooxml
import pytest
from click.testing import CliRunner
from helpers import OPEN_THEME, filled_return, returned
from openpyxl import load_workbook

from pipeline import framework
from pipeline.cli import main


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def inbox(make_workbook, tmp_path):
    folder = tmp_path / "inbox"
    filled_return(make_workbook("kent"), returned(folder / "june", "kent"))
    filled_return(make_workbook("surrey"), returned(folder, "surrey"), statuses={"1.1.a": "Yes"})
    (folder / "dorset.xlsx").write_bytes(b"")
    return folder


def test_validate_prints_a_summary_and_writes_the_feedback(run, inbox, tmp_path):
    out = tmp_path / "validation"
    result = run("validate", inbox, "--out", out)
    assert result.exit_code == 0  # rejections are a result, not a failure
    lines = result.output
    assert "dorset.xlsx" in lines and "rejected" in lines
    assert "accepted with warnings" in lines and "kent" in lines
    assert "3 file(s): 1 accepted, 1 accepted with warnings, 1 rejected." in lines
    assert sorted(p.name for p in out.iterdir()) == [
        "dorset-feedback.xlsx",
        "surrey-feedback.xlsx",
        "validation-summary.xlsx",
    ]
    problems = list(load_workbook(out / "validation-summary.xlsx")["Problems"].values)
    assert [row[0] for row in problems[1:]] == ["E001", "W101"]


def test_validate_for_another_year_and_with_bad_options(run, inbox, tmp_path):
    result = run("validate", inbox, "--out", tmp_path / "v", "--year", "2024-25")
    assert result.exit_code == 0
    assert "3 file(s): 3 rejected." in result.output

    result = run("validate", inbox, "--year", "2025")
    assert result.exit_code == 2 and "like 2025-26" in result.output

    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("validate", empty)
    assert result.exit_code == 1 and "No workbooks" in result.output
    assert "Traceback" not in result.output


def test_validate_with_a_passwords_file(run, make_workbook, tmp_path):
    plain = filled_return(make_workbook("kent"), tmp_path / "plain.xlsx")
    folder = tmp_path / "inbox"
    folder.mkdir()
    with open(plain, "rb") as source, open(returned(folder), "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("Secret1", out)
    result = run("validate", folder, "--out", tmp_path / "v1")
    assert "rejected" in result.output
    passwords = tmp_path / "passwords.csv"
    passwords.write_text("code,password\nkent,Secret1\n")
    result = run("validate", folder, "--out", tmp_path / "v2", "--passwords", passwords)
    assert "1 file(s): 1 accepted." in result.output
    assert not (tmp_path / "v2" / "kent-feedback.xlsx").exists()


def test_score_by_theme_as_csv(run, inbox):
    result = CliRunner().invoke(main, ["score", str(inbox), "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "opcc_code",
        "theme",
        "theme_title",
        "level",
        "developing_satisfied",
        "developing_total",
        "achieving_satisfied",
        "achieving_total",
        "advancing_satisfied",
        "advancing_total",
    ]
    themes = len(framework.load().themes)
    assert [r["opcc_code"] for r in rows] == ["kent"] * themes + ["surrey"] * themes
    kent = {int(r["theme"]): r for r in rows if r["opcc_code"] == "kent"}
    assert kent[OPEN_THEME]["level"] == "Achieving"
    assert kent[OPEN_THEME]["advancing_satisfied"] == "0"
    surrey = {int(r["theme"]): r for r in rows if r["opcc_code"] == "surrey"}
    assert surrey[1]["level"] == "Not yet Developing"  # 1.1.a 'Yes' is not a status
    assert "Not scored: 1 file(s)" in result.stderr and "dorset.xlsx" in result.stderr


def test_score_by_section_as_json_and_table(run, inbox):
    result = CliRunner().invoke(main, ["score", str(inbox), "--by", "section", "--format", "json"])
    records = json.loads(result.stdout)
    assert list(records[0]) == ["opcc_code", "section", "section_title", "level"]
    assert [r["level"] for r in records if r["opcc_code"] == "kent"] == [
        "Advancing",
        "Advancing",
        "Advancing",
        "Achieving",
    ]
    table = run("score", inbox / "june")
    assert table.exit_code == 0 and "Achieving" in table.output and "surrey" not in table.output


def test_help_examples_name_real_options(run):
    for command in ("validate", "score"):
        result = run(command, "--help")
        assert result.exit_code == 0
        example = result.output.split("Example:")[1]
        assert f"equality {command} input" in example
