"""The command line, driven as a user drives it (click's CliRunner)."""

import csv
import io
import subprocess
import sys
from importlib import metadata

import pytest
from click.testing import CliRunner

from pipeline import __version__, framework, vocabulary
from pipeline.cli import main


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_version_and_help(run):
    assert __version__ in run("--version").output
    result = run("--help")
    assert result.exit_code == 0
    assert "framework" in result.output and "members" in result.output


def test_the_installed_command_runs_main_and_keeps_its_exit_codes(tmp_path):
    (script,) = metadata.entry_points(group="console_scripts", name="equality")
    assert script.value == "pipeline.cli:command"
    empty = tmp_path / "input"
    empty.mkdir()
    command = [sys.executable, "-m", "pipeline.cli"]
    usage = subprocess.run([*command, "run", str(empty)], capture_output=True, text=True)
    assert usage.returncode == 2 and "holds no returns" in usage.stderr
    listed = subprocess.run([*command, "members"], capture_output=True, text=True)
    assert listed.returncode == 0 and "west-midlands" in listed.stdout


def test_every_command_help_ends_with_an_example(run):
    commands = [[name] for name in main.commands if name != "framework"]
    commands += [["framework", name] for name in main.commands["framework"].commands]
    for path in commands:
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert "Example:" in result.output, path
        example = result.output.split("Example:")[1]
        assert "equality " + path[0] in example, path


def test_framework_show_theme_9(run):
    result = run("framework", "show", "--theme", "9")
    assert result.exit_code == 0
    theme = framework.load().theme(9)
    assert theme.title in result.output
    for level in theme.levels:
        assert f"{level.code} {level.name}" in result.output
        for criterion in level.criteria:
            assert criterion.id in result.output
    assert "8.1.a" not in result.output and "10.1.a" not in result.output


def test_framework_csv_equals_the_loaded_framework(run):
    result = run("framework", "show", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 218
    assert list(rows[0]) == [
        "section",
        "section_title",
        "theme",
        "theme_title",
        "level",
        "level_code",
        "criterion_id",
        "text",
    ]
    expected = framework.load().frame
    assert [r["criterion_id"] for r in rows] == expected["criterion_id"].tolist()
    assert [r["text"] for r in rows] == expected["text"].tolist()
    assert {r["level"] for r in rows} == set(vocabulary.LEVELS)


def test_framework_markdown_for_one_theme(run):
    result = run("framework", "show", "--theme", "5", "--format", "markdown")
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("| section |")
    assert len(lines) == 2 + 3  # header, rule, one criterion per level


def test_unknown_theme_is_a_usage_error(run):
    result = run("framework", "show", "--theme", "17")
    assert result.exit_code == 2
    assert "no theme 17" in result.output
    assert "Traceback" not in result.output


def test_members_lists_43(run):
    result = run("members", "--format", "csv")
    assert result.exit_code == 0
    assert len(list(csv.DictReader(io.StringIO(result.output)))) == 43


def test_members_table_shows_bodies(run):
    result = run("members")
    assert "Mayor's Office for Policing and Crime" in result.output


def test_bad_member_list_is_one_line_error(run, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("code,region\nkent,South East\n", encoding="utf-8")
    result = run("members", "--members", str(path))
    assert result.exit_code == 1
    assert "Error:" in result.output and "missing" in result.output
    assert "Traceback" not in result.output


def test_workbook_opcc_understands_force_areas_in_any_case(run, tmp_path):
    result = run(
        "workbook",
        "--opcc",
        "Kent",
        "--opcc",
        "thames valley",
        "--opcc",
        "Metropolitan Police",
        "--year",
        "2025-26",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert [name.split("-equality")[0] for name in names] == [
        "kent",
        "metropolitan",
        "thames-valley",
    ]


def test_workbook_unknown_opcc_is_a_usage_error_with_suggestions(run, tmp_path):
    result = CliRunner().invoke(
        main, ["workbook", "--opcc", "thames vally", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "Did you mean: thames-valley" in result.output
    assert not list(tmp_path.glob("*.xlsx"))
