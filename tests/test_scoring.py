"""Scoring: the cumulative rule of DOMAIN.md on responses frames shaped as ingest makes them."""

from __future__ import annotations

import datetime
import time

import pandas as pd
from helpers import CRITERIA, FW, IDS, MISSING, ids_of, responses_for
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import national, scoring, vocabulary
from pipeline.returns import RESPONSE_COLUMNS


def theme_row(scores: scoring.Scores, code: str, theme: int) -> pd.Series:
    themes = scores.themes
    return themes[(themes["opcc_code"] == code) & (themes["theme"] == theme)].iloc[0]


def levels_by_theme(scores: scoring.Scores, code: str) -> dict[int, str]:
    themes = scores.themes[scores.themes["opcc_code"] == code]
    return dict(zip(themes["theme"], themes["level"], strict=True))


def test_all_met_puts_every_theme_and_section_at_advancing():
    scores = scoring.score(responses_for("kent"), FW)
    themes = scores.themes
    assert themes["theme"].tolist() == list(range(1, 17))
    assert set(themes["level"]) == {"Advancing"}
    assert set(themes["level_rank"]) == {3}
    assert scores.sections["level"].tolist() == ["Advancing"] * 4
    assert scores.profile.to_dict("records") == [
        {
            "opcc_code": "kent",
            "not_yet_developing": 0,
            "developing": 0,
            "achieving": 0,
            "advancing": 16,
        }
    ]
    assert scores.next_steps.empty
    assert scores.not_applicable.empty
    # Progress columns: satisfied equals the framework's own count at every level.
    for level in vocabulary.LEVELS:
        counts = CRITERIA[CRITERIA["level"] == level].groupby("theme").size()
        assert themes[f"{level.lower()}_total"].tolist() == counts.tolist()
        assert themes[f"{level.lower()}_satisfied"].tolist() == counts.tolist()


def test_one_developing_criterion_not_met_holds_its_theme_and_section_below_developing():
    due = datetime.date(2026, 3, 31)
    responses = responses_for(
        "kent", {"3.1.a": "Not met"}, owners={"3.1.a": "Head of Engagement"}, dates={"3.1.a": due}
    )
    scores = scoring.score(responses, FW)
    theme3 = theme_row(scores, "kent", 3)
    assert (theme3["level"], theme3["level_rank"]) == ("Not yet Developing", 0)
    assert (theme3["developing_satisfied"], theme3["developing_total"]) == (10, 11)
    # Later levels are all Met, but cumulative means they cannot count.
    assert theme3["achieving_satisfied"] == theme3["achieving_total"] == 9
    others = {t: lv for t, lv in levels_by_theme(scores, "kent").items() if t != 3}
    assert set(others.values()) == {"Advancing"}
    sections = scores.sections.set_index("section")["level"].to_dict()
    assert sections == {
        1: "Not yet Developing",
        2: "Advancing",
        3: "Advancing",
        4: "Advancing",
    }
    steps = scores.next_steps
    assert steps.to_dict("records") == [
        {
            "opcc_code": "kent",
            "section": 1,
            "theme": 3,
            "theme_title": "Effective Community Engagement",
            "target_level": "Developing",
            "criterion_id": "3.1.a",
            "level": "Developing",
            "text": CRITERIA.set_index("criterion_id").loc["3.1.a", "text"],
            "status": "Not met",
            "owner": "Head of Engagement",
            "target_date": pd.Timestamp(due),
        }
    ]


def test_not_applicable_counts_only_with_a_reason_and_every_claim_is_shown():
    responses = responses_for(
        "kent",
        {"5.1.a": "Not applicable", "9.1.a": "Not applicable", "9.3.a": "Not applicable"},
        reasons={"5.1.a": "No elections are held in this area this year", "9.1.a": "   "},
    )
    scores = scoring.score(responses, FW)
    assert theme_row(scores, "kent", 5)["level"] == "Advancing"
    assert theme_row(scores, "kent", 5)["not_applicable"] == 1
    # A reason made only of spaces is no reason: 9.1.a is not satisfied.
    assert theme_row(scores, "kent", 9)["level"] == "Not yet Developing"
    assert theme_row(scores, "kent", 9)["not_applicable"] == 2
    claims = scores.not_applicable
    assert claims[["criterion_id", "theme", "level", "counted"]].to_dict("records") == [
        {"criterion_id": "5.1.a", "theme": 5, "level": "Developing", "counted": True},
        {"criterion_id": "9.1.a", "theme": 9, "level": "Developing", "counted": False},
        {"criterion_id": "9.3.a", "theme": 9, "level": "Advancing", "counted": False},
    ]
    assert claims["na_reason"].iloc[0] == "No elections are held in this area this year"
    assert claims["text"].iloc[0] == CRITERIA.set_index("criterion_id").loc["5.1.a", "text"]


def test_partially_met_is_not_satisfied_and_next_steps_list_the_level_above():
    achieving = ids_of(6, "Achieving")
    responses = responses_for(
        "kent", {achieving[0]: "Partially met", achieving[3]: "Not met", "6.3.a": "Not met"}
    )
    scores = scoring.score(responses, FW)
    theme6 = theme_row(scores, "kent", 6)
    assert (theme6["level"], theme6["level_rank"]) == ("Developing", 1)
    assert (theme6["achieving_satisfied"], theme6["achieving_total"]) == (9, 11)
    assert (theme6["advancing_satisfied"], theme6["advancing_total"]) == (7, 8)
    steps = scores.next_steps
    # 6.3.a is a gap too, but the next step is Achieving: its criteria come first.
    assert steps["criterion_id"].tolist() == [achieving[0], achieving[3]]
    assert steps["status"].tolist() == ["Partially met", "Not met"]
    assert set(steps["target_level"]) == {"Achieving"}
    assert scores.sections.set_index("section").loc[2, "level"] == "Developing"


def test_blank_return_is_not_yet_developing_everywhere_with_every_developing_criterion_to_do():
    scores = scoring.score(responses_for("kent", default=""), FW)
    assert set(scores.themes["level"]) == {"Not yet Developing"}
    assert set(scores.sections["level"]) == {"Not yet Developing"}
    assert scores.profile["not_yet_developing"].tolist() == [16]
    developing = CRITERIA[CRITERIA["level"] == "Developing"]["criterion_id"].tolist()
    assert scores.next_steps["criterion_id"].tolist() == developing
    assert set(scores.next_steps["status"]) == {""}


def test_missing_rows_are_not_satisfied_and_totals_come_from_the_framework():
    responses = responses_for("kent", drop=ids_of(9, "Advancing") + ids_of(16, "Developing"))
    scores = scoring.score(responses, FW)
    theme9 = theme_row(scores, "kent", 9)
    assert theme9["level"] == "Achieving"
    assert (theme9["advancing_satisfied"], theme9["advancing_total"]) == (0, 2)
    theme16 = theme_row(scores, "kent", 16)
    assert theme16["level"] == "Not yet Developing"
    assert (theme16["developing_satisfied"], theme16["developing_total"]) == (0, 7)
    steps = scores.next_steps
    assert steps["criterion_id"].tolist() == ids_of(9, "Advancing") + ids_of(16, "Developing")
    # A missing row has no status, owner or date to show.
    assert set(steps["status"]) == {""}
    assert set(steps["owner"]) == {""}
    assert steps["target_date"].isna().all()


def test_rows_for_criteria_outside_the_framework_are_ignored():
    stray = responses_for("kent", default="Not met").head(1).assign(criterion_id="99.1.a")
    responses = pd.concat([responses_for("kent"), stray], ignore_index=True)
    scores = scoring.score(responses, FW)
    assert set(scores.themes["level"]) == {"Advancing"}
    assert len(scores.themes) == 16


def test_many_opccs_are_scored_independently_and_sorted_by_code():
    responses = pd.concat(
        [
            responses_for("wiltshire", default=""),
            responses_for("dorset", {"1.1.a": "Not met"}),
            responses_for("avon-and-somerset"),
        ],
        ignore_index=True,
    )
    scores = scoring.score(responses, FW)
    codes = ["avon-and-somerset", "dorset", "wiltshire"]
    assert scores.themes["opcc_code"].tolist() == [c for c in codes for _ in range(16)]
    assert scores.sections["opcc_code"].tolist() == [c for c in codes for _ in range(4)]
    assert scores.profile["opcc_code"].tolist() == codes
    assert scores.profile["advancing"].tolist() == [16, 15, 0]
    assert scores.profile["not_yet_developing"].tolist() == [0, 1, 16]
    assert levels_by_theme(scores, "dorset")[1] == "Not yet Developing"
    assert set(levels_by_theme(scores, "avon-and-somerset").values()) == {"Advancing"}

    dorset = scores.for_opcc("dorset")
    assert set(dorset.themes["opcc_code"]) == {"dorset"}
    assert dorset.themes.index.tolist() == list(range(16))
    assert dorset.next_steps["criterion_id"].tolist() == ["1.1.a"]
    assert dorset.sections.equals(
        scoring.score(responses_for("dorset", {"1.1.a": "Not met"}), FW).sections
    )
    assert scoring.score(responses, FW).for_opcc("kent").themes.empty


def test_frames_have_the_documented_columns_for_equality_score():
    scores = scoring.score(responses_for("kent", {"2.1.a": "Not applicable"}), FW)
    assert list(scores.themes.columns) == [
        "opcc_code",
        "section",
        "theme",
        "theme_title",
        "level",
        "level_rank",
        "developing_satisfied",
        "developing_total",
        "achieving_satisfied",
        "achieving_total",
        "advancing_satisfied",
        "advancing_total",
        "not_applicable",
    ]
    assert list(scores.sections.columns) == [
        "opcc_code",
        "section",
        "section_title",
        "level",
        "level_rank",
    ]
    assert list(scores.profile.columns) == [
        "opcc_code",
        "not_yet_developing",
        "developing",
        "achieving",
        "advancing",
    ]
    assert list(scores.next_steps.columns) == scoring.NEXT_STEP_COLUMNS
    assert list(scores.not_applicable.columns) == scoring.NOT_APPLICABLE_COLUMNS
    assert set(scores.themes["level"]) <= set(vocabulary.LEVEL_LADDER)
    assert scores.themes["theme_title"].iloc[1] == FW.theme(2).title
    assert scores.sections["section_title"].tolist() == [s.title for s in FW.sections]


def test_an_empty_responses_frame_gives_empty_frames_with_the_columns():
    scores = scoring.score(pd.DataFrame(columns=RESPONSE_COLUMNS), FW)
    assert scores.themes.empty and list(scores.themes.columns) == scoring.THEME_COLUMNS
    assert scores.profile.empty and list(scores.profile.columns) == scoring.PROFILE_COLUMNS
    summary = national.criterion_uptake(pd.DataFrame(columns=RESPONSE_COLUMNS), FW)
    assert summary["criterion_id"].tolist() == IDS
    assert (summary["members"] == 0).all() and summary["share_satisfied"].isna().all()


def test_satisfied_is_met_or_reasoned_not_applicable():
    frame = pd.DataFrame(
        {
            "status": ["Met", "Not applicable", "Not applicable", "Partially met", "", None],
            "na_reason": ["", "No custody suites", None, "reason", "", None],
        }
    )
    assert scoring.satisfied(frame).tolist() == [True, True, False, False, False, False]


def test_criterion_summary_puts_the_least_met_first():
    responses = pd.concat(
        [
            responses_for("a", {"7.2.b": "Not met", "4.1.c": "Not met"}),
            responses_for("b", {"7.2.b": "Not met", "4.1.c": "Not applicable"}),
            responses_for("c", {"7.2.b": "", "1.1.a": "Not applicable"}, reasons={"1.1.a": "x"}),
            responses_for("d", drop=["7.2.b"]),
        ],
        ignore_index=True,
    )
    summary = national.criterion_uptake(responses, FW)
    assert list(summary.columns) == national.UPTAKE_COLUMNS
    assert len(summary) == len(IDS)
    assert summary["criterion_id"].tolist()[:2] == ["7.2.b", "4.1.c"]
    first = summary.iloc[0]
    assert (first["members"], first["satisfied"], first["share_satisfied"]) == (4, 0, 0.0)
    second = summary.iloc[1]
    assert (second["satisfied"], second["share_satisfied"], second["not_applicable"]) == (2, 0.5, 1)
    one_a = summary.set_index("criterion_id").loc["1.1.a"]
    assert (one_a["share_satisfied"], one_a["not_applicable"]) == (1.0, 1)
    # Ties keep framework order, so 1.1.a (all satisfied) comes before 16.3.a.
    rest = summary["criterion_id"].tolist()[2:]
    assert rest == [cid for cid in IDS if cid not in {"7.2.b", "4.1.c"}]


def test_a_large_batch_scores_in_well_under_a_second():
    one = responses_for("x", {"3.1.a": "Not met", "6.2.c": "Partially met"})
    batch = pd.concat([one.assign(opcc_code=f"opcc-{i:03d}") for i in range(430)])
    start = time.perf_counter()
    scores = scoring.score(batch, FW)
    elapsed = time.perf_counter() - start
    assert len(scores.themes) == 430 * 16
    assert (scores.profile["not_yet_developing"] == 1).all()
    assert elapsed < 1.0, f"scoring 430 OPCCs took {elapsed:.2f} s"


# Property tests. Met is drawn far more often than anything else so that themes land at every
# level rather than almost always at Not yet Developing. An answer: (status, Not applicable reason).
ANSWERS = [("Met", "")] * 24 + [
    (status, reason)
    for status in ("Partially met", "Not met", "", "Not applicable", MISSING)
    for reason in ("", "Not relevant here")
]
answers = st.lists(st.sampled_from(ANSWERS), min_size=len(IDS), max_size=len(IDS))


def build(answers_list: list[tuple[str, str]], code: str = "kent") -> pd.DataFrame:
    statuses = {cid: status for cid, (status, _) in zip(IDS, answers_list, strict=True)}
    reasons = {cid: reason for cid, (_, reason) in zip(IDS, answers_list, strict=True)}
    return responses_for(code, statuses, reasons=reasons)


def is_satisfied(status: str, reason: str) -> bool:
    return status == "Met" or (status == "Not applicable" and bool(reason.strip()))


@settings(max_examples=40, deadline=None)
@given(answers, st.integers(min_value=0, max_value=len(IDS) - 1))
def test_satisfying_one_more_criterion_never_lowers_a_level(answers_list, index):
    before = scoring.score(build(answers_list), FW)
    improved = list(answers_list)
    improved[index] = ("Met", "")
    after = scoring.score(build(improved), FW)
    assert (after.themes["level_rank"] >= before.themes["level_rank"]).all()
    assert (after.sections["level_rank"] >= before.sections["level_rank"]).all()


@settings(max_examples=40, deadline=None)
@given(answers, answers)
def test_levels_follow_the_cumulative_rule(first, second):
    responses = pd.concat([build(first, "a"), build(second, "b")], ignore_index=True)
    scores = scoring.score(responses, FW)
    for code, answers_list in (("a", first), ("b", second)):
        ok = {cid: is_satisfied(*answer) for cid, answer in zip(IDS, answers_list, strict=True)}
        themes = scores.themes[scores.themes["opcc_code"] == code]
        for theme in FW.themes:
            row = themes[themes["theme"] == theme.number].iloc[0]
            rank = int(row["level_rank"])
            assert row["level"] == vocabulary.LEVEL_LADDER[rank]
            below = [c.id for lv in theme.levels[:rank] for c in lv.criteria]
            assert all(ok[cid] for cid in below)
            if rank < len(vocabulary.LEVELS):
                assert not all(ok[c.id] for c in theme.levels[rank].criteria)
        sections = scores.sections[scores.sections["opcc_code"] == code]
        for section in FW.sections:
            ranks = themes.loc[themes["section"] == section.number, "level_rank"]
            got = sections.loc[sections["section"] == section.number, "level_rank"].iloc[0]
            assert got == ranks.min()
        steps = scores.next_steps[scores.next_steps["opcc_code"] == code]
        assert all(not ok[cid] for cid in steps["criterion_id"])


def test_each_opccs_scores_made_when_asked_for_equal_those_filtered_from_the_whole():
    responses = pd.concat(
        [
            responses_for("dorset", {"1.1.a": "Not met", "2.1.a": "Not applicable"}),
            responses_for("kent", default="Met"),
            responses_for("wiltshire", default="Not met"),
        ],
        ignore_index=True,
    )
    scores = scoring.score(responses, FW)
    by_opcc = scores.by_opcc()
    assert list(by_opcc) == ["dorset", "kent", "wiltshire"] and len(by_opcc) == 3
    assert by_opcc.get("surrey") is None
    for code in by_opcc:
        one, filtered = by_opcc[code], scores.for_opcc(code)
        for name in ("themes", "sections", "profile", "next_steps", "not_applicable"):
            pd.testing.assert_frame_equal(getattr(one, name), getattr(filtered, name))
    assert by_opcc["kent"].next_steps.empty and not by_opcc["wiltshire"].next_steps.empty
    standings = national.standings(scores.themes)
    assert list(standings) == ["dorset", "kent", "wiltshire"] and standings.get("surrey") is None
    assert standings["dorset"] == national.standing(scores.themes, "dorset")


def test_uptake_of_rows_held_as_categories_equals_that_of_text():
    """A run holds every return's rows with their words as categories (returns.Standings):
    scores and uptake from them are those of the plain text."""
    responses = pd.concat(
        [
            responses_for("a", {"7.2.b": "Not met", "4.1.c": "Not applicable"}),
            responses_for("b", {"1.1.a": "Not applicable"}, reasons={"1.1.a": " x "}),
        ],
        ignore_index=True,
    )
    held = responses.astype({c: "category" for c in ("opcc_code", "criterion_id", "status")})
    held["na_reason"] = held["na_reason"].astype("category")
    pd.testing.assert_frame_equal(
        national.criterion_uptake(held, FW), national.criterion_uptake(responses, FW)
    )
    pd.testing.assert_frame_equal(
        scoring.score(held, FW).themes, scoring.score(responses, FW).themes
    )


def test_scoring_in_groups_gives_the_frames_of_scoring_at_once(monkeypatch):
    """A run of thousands is scored SCORE_GROUP members at a time: the same rows, in order."""
    ids = sorted(IDS)
    frames = []
    for number, code in enumerate(["wiltshire", "avon", "kent", "dorset", "essex", "gwent", "zz"]):
        statuses = {cid: vocabulary.NOT_MET for cid in ids[number :: 7 + number]}
        statuses[ids[number * 11]] = vocabulary.NOT_APPLICABLE
        reasons = {ids[number * 11]: "No custody suite."} if number % 2 else {}
        frames.append(responses_for(code, statuses, reasons=reasons))
    responses = pd.concat(frames, ignore_index=True)
    at_once = scoring.score(responses, FW)
    monkeypatch.setattr(scoring, "SCORE_GROUP", 3)
    grouped = scoring.score(responses, FW)
    for name in ("themes", "sections", "profile", "next_steps", "not_applicable"):
        pd.testing.assert_frame_equal(getattr(grouped, name), getattr(at_once, name), obj=name)
    assert at_once.next_steps["opcc_code"].nunique() == 7 and len(at_once.not_applicable) == 7
    assert at_once.not_applicable["counted"].tolist().count(True) == 3


def test_uptake_counted_a_few_members_at_a_time_is_the_same(monkeypatch):
    """The benchmark counts thousands of members' rows `SCORE_GROUP` members at a time: the
    totals are those of all at once, a member's second answer to a criterion still ignored."""
    twice = responses_for("e", {"7.2.b": "Not met"})
    responses = pd.concat(
        [
            responses_for("a", {"7.2.b": "Not met", "4.1.c": "Not met"}),
            responses_for("b", {"7.2.b": "Met", "4.1.c": "Not applicable"}),
            responses_for("c", {"1.1.a": "Not applicable"}, reasons={"1.1.a": "x"}),
            responses_for("d", drop=["7.2.b"]),
            twice,
            twice.assign(status="Met"),  # ignored: e's first answer counts
        ],
        ignore_index=True,
    )
    whole = scoring.uptake(responses, FW)
    monkeypatch.setattr(scoring, "SCORE_GROUP", 2)
    grouped = scoring.uptake(responses, FW)
    pd.testing.assert_frame_equal(grouped, whole)
    row = grouped.set_index("criterion_id").loc["7.2.b"]
    assert (row["members"], row["satisfied"]) == (5, 2)  # b's and c's
