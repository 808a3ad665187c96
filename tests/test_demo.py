"""Demo returns: a national set generated once, read back as the APCC and the batch read it."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline import demo, layout, scoring, validate, vocabulary
from pipeline.cli import main
from pipeline.outputs import sha256_file
from pipeline.vocabulary import LEVEL_LADDER

YEAR = "2025-26"
SEED = 2025
LABELS = layout.CRITERION_COLUMNS


@pytest.fixture(scope="module")
def demo_set(national_demo) -> demo.DemoSet:
    """The session's national set (conftest.national_demo), made with this seed and year."""
    assert (national_demo.seed, national_demo.year) == (SEED, YEAR)
    return national_demo


@pytest.fixture(scope="module")
def batch(demo_set, member_list, fw) -> validate.Batch:
    """The whole set through the batch's own checks, one process per core as the batch runs it."""
    paths = validate.discover([demo_set.folder])
    with ProcessPoolExecutor() as pool:
        futures = [pool.submit(validate.check_file, p, member_list, framework=fw) for p in paths]
        return validate.resolve([(p, *f.result()) for p, f in zip(paths, futures, strict=True)])


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*.xlsx"))
    }


def read_return(path: Path) -> tuple[dict[str, dict[str, object]], dict[str, object], list[dict]]:
    """(criterion id -> answers, profile label -> value, objective rows) as a person sees them."""
    book = load_workbook(path)
    criteria: dict[str, dict[str, object]] = {}
    for number in layout.SECTION_SHEETS:
        ws = book[layout.SECTION_SHEETS[number]]
        columns = header_columns(ws, LABELS.values())
        for row in ws.iter_rows(values_only=True):
            cid = row[columns[LABELS["criterion_id"]] - 1]
            if isinstance(cid, str) and cid.count(".") == 2:
                criteria[cid] = {key: row[columns[label] - 1] for key, label in LABELS.items()}
    profile = {
        label: value
        for label, value in book[layout.PROFILE_SHEET].iter_rows(max_col=2, values_only=True)
        if label
    }
    ws = book[layout.OBJECTIVES_SHEET]
    columns = header_columns(ws, layout.OBJECTIVE_COLUMNS.values())
    objectives = [
        {key: row[columns[label] - 1] for key, label in layout.OBJECTIVE_COLUMNS.items()}
        for row in ws.iter_rows(values_only=True)
        if row[columns[layout.OBJECTIVE_COLUMNS["objective"]] - 1]
        and row[columns[layout.OBJECTIVE_COLUMNS["objective"]] - 1]
        != layout.OBJECTIVE_COLUMNS["objective"]
    ]
    return criteria, profile, objectives


def header_columns(ws, labels) -> dict[str, int]:
    for row in ws.iter_rows(min_row=1, max_row=20):
        found = {c.value: c.column for c in row if isinstance(c.value, str)}
        if set(labels) <= set(found):
            return found
    raise AssertionError(f"no header row with {list(labels)} on {ws.title}")


def test_every_member_but_one_sends_the_workbook_it_was_sent(demo_set, member_list):
    top = sorted(p for p in demo_set.folder.glob("*.xlsx"))
    codes = {p.name.removesuffix(f"-equality-self-assessment-{YEAR}.xlsx") for p in top}
    assert len(top) == 42
    assert codes == set(member_list["code"]) - {demo_set.missing}
    for code in codes:
        name = layout.WORKBOOK_NAME.format(code=code, year=YEAR)
        assert (demo_set.folder / name).is_file()
    # The member that wrote twice: its draft sits in another email's folder, same file name.
    assert demo_set.superseded.parent.name == demo.EARLIER_FOLDER
    assert demo_set.superseded.name == layout.WORKBOOK_NAME.format(
        code=demo_set.resubmitted, year=YEAR
    )
    assert sorted(demo_set.paths) == sorted(p.resolve() for p in demo_set.folder.rglob("*.xlsx"))
    irregular = {demo_set.missing, demo_set.rejected, demo_set.resubmitted, *demo_set.warned}
    assert len(irregular) == 7 and len(demo_set.warned) == 4
    assert set(demo_set.notes) == irregular


def test_same_seed_gives_byte_identical_files(member_list, tmp_path):
    """Made twice, on enough members for every irregular role (a fifth of the set's time)."""
    few = member_list.head(10)
    once, again = (
        demo.make_demo_returns(tmp_path / name, seed=SEED, year=YEAR, members=few)
        for name in ("once", "again")
    )
    assert len(hashes(once.folder)) >= 9
    assert hashes(again.folder) == hashes(once.folder)
    roles = (once.missing, once.rejected, once.resubmitted, once.warned)
    assert roles == (again.missing, again.rejected, again.resubmitted, again.warned)
    assert all(roles) and len(once.warned) == 4


def test_another_seed_gives_other_returns(demo_set, member_list, tmp_path):
    few = member_list.head(8)
    other = demo.make_demo_returns(tmp_path / "other", seed=SEED + 1, year=YEAR, members=few)
    mine, theirs = hashes(demo_set.folder), hashes(other.folder)
    shared = set(mine) & set(theirs)
    assert shared
    assert all(mine[name] != theirs[name] for name in shared)


def test_a_clean_return_reads_like_a_filled_in_self_assessment(demo_set, fw):
    clean = sorted(set(demo_set.returned) - set(demo_set.notes))
    for code in clean[:3]:
        path = demo_set.folder / layout.WORKBOOK_NAME.format(code=code, year=YEAR)
        criteria, profile, objectives = read_return(path)
        assert set(criteria) == {c.id for c in fw.criteria}

        signoff = profile[layout.PROFILE_LABELS["signoff_date"]]
        assert isinstance(signoff, dt.datetime)
        for key in layout.PROFILE_INPUTS:
            assert profile[layout.PROFILE_LABELS[key]] not in (None, ""), key
        assert profile[layout.PROFILE_LABELS["contact_email"]].endswith(f"@{code}-pcc.example")
        assert isinstance(profile[layout.PROFILE_LABELS["employees"]], int)

        statuses = {answers["status"] for answers in criteria.values()}
        assert statuses <= set(vocabulary.STATUSES) and vocabulary.MET in statuses
        for cid, answers in criteria.items():
            if answers["status"] == vocabulary.MET:
                assert len(answers["evidence"]) > 30, cid
                link = answers["evidence_link"]
                assert link is None or link.startswith(f"https://www.{code}-pcc.example/")
            elif answers["status"] == vocabulary.NOT_APPLICABLE:
                assert answers["na_reason"], cid
            else:
                assert answers["owner"], cid
                due = answers["target_date"]
                assert signoff < due <= signoff + dt.timedelta(days=366), cid

        assert 2 <= len(objectives) <= 5
        for number, objective in enumerate(objectives, start=1):
            assert objective["number"] == number
            assert objective["measure"] and objective["target"] and objective["baseline"]
            assert objective["progress"] in layout.PROGRESS_VALUES


def test_the_nation_spreads_across_levels_mostly_developing_and_achieving(demo_set):
    levels = [level for themes in demo_set.levels.values() for level in themes.values()]
    share = {name: levels.count(name) / len(levels) for name in LEVEL_LADDER}
    assert all(share[name] > 0.02 for name in LEVEL_LADDER), share
    assert share["Developing"] + share["Achieving"] > 0.6, share
    # Members differ from one another, not just theme by theme.
    profiles = {tuple(sorted(themes.items())) for themes in demo_set.levels.values()}
    assert len(profiles) > 0.8 * len(demo_set.levels)


def test_the_batch_gives_each_return_the_verdict_the_demo_set_promises(demo_set, batch):
    paths = [Path(p).resolve() for p in batch.log["path"]]
    verdicts = dict(zip(paths, batch.log["verdict"], strict=True))
    by_member: dict[str, set[str]] = {}
    for code, verdict in zip(batch.log["opcc_code"], batch.log["verdict"], strict=True):
        by_member.setdefault(code, set()).add(verdict)

    assert demo_set.missing not in by_member
    assert by_member[demo_set.rejected] == {vocabulary.REJECTED}
    assert {c for c, v in by_member.items() if vocabulary.WITH_WARNINGS in v} == set(
        demo_set.warned
    )
    assert verdicts[demo_set.superseded.resolve()] == vocabulary.SUPERSEDED
    assert by_member[demo_set.resubmitted] == {vocabulary.SUPERSEDED, vocabulary.ACCEPTED}
    others = set(by_member) - {demo_set.rejected, demo_set.resubmitted, *demo_set.warned}
    assert all(by_member[code] == {vocabulary.ACCEPTED} for code in others)

    rejected = batch.problems[batch.problems["opcc_code"] == demo_set.rejected]
    assert list(rejected["code"]) == ["E009"]
    warned = batch.problems[batch.problems["opcc_code"].isin(demo_set.warned)]
    assert {"W101", "W102", "W103", "W104", "W107"} <= set(warned["code"])


def test_clean_returns_score_the_levels_they_were_filled_to_reach(demo_set, batch, fw):
    themes = scoring.score(batch.responses, fw).themes
    assert themes["level"].nunique() >= 3
    clean = themes[~themes["opcc_code"].isin(demo_set.warned)]
    assert clean["opcc_code"].nunique() == len(demo_set.returned) - 1 - len(demo_set.warned)
    for row in clean.itertuples():
        assert row.level == demo_set.levels[row.opcc_code][row.theme], (row.opcc_code, row.theme)


def test_a_rerun_replaces_its_own_files_and_refuses_other_folders(member_list, tmp_path):
    few = member_list.head(5)
    folder = tmp_path / "demo"
    first = demo.make_demo_returns(folder, seed=1, year=YEAR, members=few)
    second = demo.make_demo_returns(folder, seed=2, year=YEAR, members=few)
    assert set(first.paths) != set(second.paths)  # another member went missing
    assert sorted(p.resolve() for p in folder.rglob("*.xlsx")) == sorted(second.paths)
    marker = json.loads((folder / demo.MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["seed"] == 2 and marker["missing"] == second.missing

    returns = tmp_path / "input"
    returns.mkdir()
    (returns / "README.md").write_text("Put the returns here.", encoding="utf-8")
    with pytest.raises(demo.DemoError, match=r"README\.md"):
        demo.make_demo_returns(returns, members=few)
    assert [p.name for p in returns.iterdir()] == ["README.md"]


def test_demo_command_says_what_it_made(member_list, tmp_path, monkeypatch):
    members_csv = tmp_path / "members.csv"
    member_list.head(5).to_csv(members_csv, index=False)
    out = tmp_path / "demo"
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["demo", "--out", str(out), "--seed", "3", "--year", YEAR, "--members", str(members_csv)],
    )
    assert result.exit_code == 0, result.output
    made = sorted(out.rglob("*.xlsx"))
    assert f"{len(made)} demo return(s) for {YEAR} (seed 3)" in result.output
    assert "not real OPCC returns" in result.output
    assert "sent none" in result.output and "rejected:" in result.output

    (out / "notes.txt").write_text("mine", encoding="utf-8")
    refused = runner.invoke(main, ["demo", "--out", str(out), "--members", str(members_csv)])
    assert refused.exit_code == 1
    assert "notes.txt" in refused.output and "--out" in refused.output

    monkeypatch.chdir(tmp_path)  # the default folder is relative to where the command runs
    result = runner.invoke(main, ["demo", "--year", YEAR, "--members", str(members_csv)])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / demo.DEFAULT_FOLDER / YEAR).glob("*.xlsx"))) == len(made)


def test_a_year_that_is_not_a_financial_year_is_refused(tmp_path):
    with pytest.raises(demo.DemoError, match="2025-27"):
        demo.make_demo_returns(tmp_path, year="2025-27")
