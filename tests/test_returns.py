"""A run keeps each return whole on disk and holds only its standing: the same scores, the same
rows, a few bytes a row, and nothing left behind."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys

import pandas as pd
import pytest
from helpers import GENERATED, YEAR, filled_return, returned

from pipeline import framework, returns, run, scoring, validate, workbook
from pipeline.returns import STANDING_COLUMNS, Spool, SpoolGoneError, Standings

CODES = ("kent", "essex", "dorset", "surrey", "gwent")


@pytest.fixture(scope="module")
def whole(tmp_path_factory, member_list) -> list[returns.Return]:
    """Five members' returns, read whole, each with its own mix of statuses."""
    root = tmp_path_factory.mktemp("returns")
    by_code = member_list.set_index("code", drop=False)
    found = []
    for number, code in enumerate(CODES):
        blank = workbook.generate_workbook(
            by_code.loc[code].to_dict(), YEAR, root / "blank", generated=GENERATED
        )
        statuses = {"1.1.a": "Not met", "2.1.b": "Partially met"} if number % 2 else {}
        path = filled_return(blank, returned(root / "inbox", code), statuses=statuses)
        ret, problems = validate.check_file(path, member_list)
        assert ret is not None, problems
        found.append(ret)
    return found


def test_a_kept_return_comes_back_whole_and_holds_only_its_standing(whole):
    with Spool() as spool:
        kept = spool.keep(whole[0], 1)
        assert list(kept.responses.columns) == STANDING_COLUMNS
        assert kept.commentary.empty and len(kept.responses) == len(whole[0].responses)
        again = kept.whole()
        pd.testing.assert_frame_equal(again.responses, whole[0].responses)
        pd.testing.assert_frame_equal(again.commentary, whole[0].commentary)
        assert again.profile == whole[0].profile
        folder = spool.folder
    assert not folder.exists()
    with pytest.raises(SpoolGoneError, match=re.escape(whole[0].path.name)):
        kept.whole()


def test_a_spool_left_by_a_killed_run_is_removed_by_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    orphan = tmp_path / f"{Spool.PREFIX}{ended.stdout.strip()}-abcd1234"
    living = tmp_path / f"{Spool.PREFIX}{os.getpid()}-efgh5678"
    other = tmp_path / "equality-returns-notes"
    for folder in (orphan, living, other):
        folder.mkdir()
        (folder / "000001.pickle").write_bytes(b"kept")
    with Spool() as spool:
        assert spool.folder.parent == tmp_path
        assert not orphan.exists() and living.exists() and other.exists()


def test_the_standings_give_the_rows_of_the_returns_asked_for_in_their_order(whole, monkeypatch):
    monkeypatch.setattr(Standings, "JOIN_EVERY", 2)  # join more than once on five returns
    fw = framework.load()
    with Spool() as spool:
        standings = Standings()
        taken = []
        for index, ret in enumerate(whole, 1):
            packed = returns.pack(spool.keep(ret, index), [], index)
            standings.add(packed)
            taken.append(standings.open(packed.index)[0])
        assert all(t.responses.empty and t.objectives.empty for t in taken)
        # Returns made from one workbook share one map of where their values were found.
        assert [t.profile_cells for t in taken] == [r.profile_cells for r in whole]
        assert [t.column_letters for t in taken] == [r.column_letters for r in whole]
        same = [t for t in taken if t.profile_cells == taken[0].profile_cells]
        assert len(same) > 1 and all(t.profile_cells is same[0].profile_cells for t in same)
        # The profile's long texts wait in the spool, with the rest of the return.
        assert [t.profile for t in taken] == [
            {k: v for k, v in r.profile.items() if k not in returns.LONG_PROFILE_TEXTS}
            for r in whole
        ]
        assert all(r.profile["equality_statement"] for r in whole)
        assert [t.whole().profile for t in taken] == [r.profile for r in whole]
        # And the words every return repeats are one object, not one per return.
        keys = [next(iter(t.profile)) for t in taken]
        assert all(key is keys[0] for key in keys)
        assert all(t.reporting_year is taken[0].reporting_year for t in taken)
        chosen = [taken[3], taken[0], taken[2]]
        rows = standings.rows("responses", chosen, returns.RESPONSE_COLUMNS)
        objectives = standings.rows("objectives", chosen, returns.OBJECTIVE_COLUMNS)
    expected = pd.concat([whole[3].responses, whole[0].responses, whole[2].responses])
    # In the order of the responses' columns, as Batch.responses gives them.
    assert list(rows.columns) == [c for c in returns.RESPONSE_COLUMNS if c in STANDING_COLUMNS]
    expected = expected[list(rows.columns)].reset_index(drop=True)
    for column in STANDING_COLUMNS:
        assert rows[column].tolist() == expected[column].tolist(), column
    assert (
        objectives["objective"].tolist()
        == pd.concat([whole[3].objectives, whole[0].objectives, whole[2].objectives])[
            "objective"
        ].tolist()
    )
    # The words are categories: a few bytes a row, against tens for the strings; a theme's
    # number, one byte.
    assert rows.memory_usage(deep=True).sum() < expected.memory_usage(deep=True).sum() / 3
    assert rows["theme"].dtype.itemsize == 1
    held, read = scoring.score(rows, fw), scoring.score(expected, fw)
    for table in ("themes", "sections", "profile", "next_steps", "not_applicable"):
        pd.testing.assert_frame_equal(getattr(held, table), getattr(read, table))


def test_returns_that_arrive_in_any_order_give_the_same_returns_and_rows(whole):
    """A run takes each return as soon as it is read, in whatever order its workers finish,
    and opens them all afterwards in the order of the files."""

    def held(order: list[int]) -> tuple[list, pd.DataFrame, pd.DataFrame]:
        with Spool() as spool:
            packed = [returns.pack(spool.keep(ret, i), [], i) for i, ret in enumerate(whole, 1)]
            standings = Standings()
            for index in order:
                standings.add(packed[index - 1])
            opened = [standings.open(index)[0] for index in range(1, len(whole) + 1)]
            with pytest.raises(KeyError):
                standings.open(1)  # each is opened once
            return (
                [(r.opcc_code, r.whole().profile) for r in opened],
                standings.rows("responses", opened, returns.RESPONSE_COLUMNS),
                standings.rows("objectives", opened, returns.OBJECTIVE_COLUMNS),
            )

    in_order = held([1, 2, 3, 4, 5])
    shuffled = held([4, 2, 5, 1, 3])
    assert shuffled[0] == in_order[0] == [(r.opcc_code, r.profile) for r in whole]
    pd.testing.assert_frame_equal(shuffled[1], in_order[1])
    pd.testing.assert_frame_equal(shuffled[2], in_order[2])


def test_a_run_leaves_no_spool_behind_and_its_returns_say_where_their_evidence_went(
    whole, tmp_path, monkeypatch
):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "temporary"))
    (tmp_path / "temporary").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    inbox = whole[0].path.parent
    result = run.run(inbox, tmp_path / "out", year=YEAR, generated=GENERATED)
    assert sorted(r.opcc_code for r in result.batch.returns) == sorted(CODES)
    assert list((tmp_path / "temporary").iterdir()) == []
    assert set(result.batch.responses["opcc_code"]) == set(CODES)
    with pytest.raises(SpoolGoneError, match=re.escape("validate.check_file")):
        result.batch.returns[0].whole()
    # What the run held of each return is small: its standing rows and objectives are in the
    # batch, once; the returns themselves hold none.
    assert all(r.responses.empty for r in result.batch.returns)
    assert len(pickle.dumps(result.batch.returns[0])) < 8_000


def test_packed_rows_keep_their_values_whatever_the_words(tmp_path):
    """Returns are sent to the run packed (returns.pack): words as codes into one list for every
    return, other values as they are. A column of words that holds a number in one return, a
    blank in another, or words no other return has, comes back as each return had it."""
    fw = framework.load()
    ids = list(fw.frame["criterion_id"])[:3]

    def kept(index: int, owners: list, objective: list) -> returns.Return:
        responses = pd.DataFrame(
            {
                "opcc_code": [f"m{index}"] * 3,
                "criterion_id": ids,
                "theme": [1, 1, 2],
                "level": ["Developing"] * 3,
                "status": ["Met", "Not met", ""],
                "na_reason": [""] * 3,
                "owner": owners,
                "target_date": pd.to_datetime(["2026-01-01", None, "2026-03-31"]).as_unit("s"),
            }
        )
        objectives = pd.DataFrame(
            {"opcc_code": [f"m{index}"] * len(objective), "objective": objective},
            columns=returns.OBJECTIVE_COLUMNS,
        ).fillna({"row": 0})
        return returns.Return(
            path=tmp_path / f"{index}.xlsx",
            sha256="0" * 64,
            opcc_code=f"m{index}",
            reporting_year=YEAR,
            framework_edition=fw.edition,
            template_version="1",
            profile={"signoff_date": None},
            responses=returns.standing(responses),
            objectives=objectives,
            commentary=pd.DataFrame(columns=returns.COMMENTARY_COLUMNS),
            spool=tmp_path / f"{index:06d}.pickle",
        )

    sent = [
        kept(1, ["Head of Policy", "", "Chief Executive"], ["Close the gap", "Listen more"]),
        kept(2, ["Chief Executive", 7, None], []),
        kept(3, ["Analyst", "Head of Policy", ""], ["A plan, in Welsh: Cynllun"]),
    ]
    sent[0].objectives["progress"] = ["On track", "Behind"]
    # A table that lacks a column (a return of another make) gives blanks there, not a shift.
    sent[2].objectives = sent[2].objectives.drop(columns="progress")
    standings = Standings()
    opened = []
    for index, ret in enumerate(sent, start=1):
        packed = returns.pack(ret, [], index)
        standings.add(packed)
        found, problems = standings.open(packed.index)
        assert found.responses.empty and problems == [] and found.opcc_code == f"m{index}"
        opened.append(found)
    order = [opened[2], opened[0], opened[1]]
    rows = standings.rows("responses", order, returns.RESPONSE_COLUMNS)
    expected = pd.concat([sent[2].responses, sent[0].responses, sent[1].responses])
    for column in STANDING_COLUMNS:
        got, want = rows[column].tolist(), expected[column].tolist()
        assert [None if pd.isna(v) else v for v in got] == [
            None if pd.isna(v) else v for v in want
        ], column
    assert rows["status"].dtype == "category" and "" in rows["status"].cat.categories
    objectives = standings.rows("objectives", order, returns.OBJECTIVE_COLUMNS)
    assert objectives["objective"].tolist() == [
        "A plan, in Welsh: Cynllun",
        "Close the gap",
        "Listen more",
    ]
    assert objectives["opcc_code"].tolist() == ["m3", "m1", "m1"]
    progress = objectives["progress"].tolist()
    assert pd.isna(progress[0]) and progress[1:] == ["On track", "Behind"]
