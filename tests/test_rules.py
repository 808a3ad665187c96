"""The catalogue and its rules: messages rendered late and safely, each code in one home."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import problems, rules
from pipeline.problems import APCC, OPCC, Code, Rule, Wording, render

PACKAGE = Path(problems.__file__).parent


def test_render_never_raises_on_a_missing_value_or_a_bad_template():
    assert render("{count} of {total}", {"count": 3}) == f"3 of {problems.MISSING}"
    assert render("{length:,} characters", {"length": "many"}) == "many characters"
    assert render("{length:,} characters", {}) == f"{problems.MISSING} characters"
    assert render("{a.b} {0} {c[1]}", {"c": "x"}) == " ".join([problems.MISSING] * 3)
    assert render("an unmatched { brace", {}) == "an unmatched { brace"


@pytest.mark.parametrize("code", list(Code), ids=lambda code: code.name)
def test_every_rule_renders_without_its_values(code):
    problem = code.problem(file="kent.xlsx")
    assert problem.message.startswith("[file 'kent.xlsx'] " + code.rule.title + ": ")
    assert problem.fix and "{" not in problem.fix


def test_a_problem_keeps_its_fields_and_renders_when_shown():
    problem = Code.W103.problem(
        file="kent.xlsx", sheet="1 Communities", cell="E9", criterion="1.1.a"
    )
    assert dict(problem.values) == {"criterion": "1.1.a"}
    assert (
        problem.what() == "Evidence missing: criterion 1.1.a is Met but its Evidence cell is empty."
    )
    assert problem.message == f"[sheet '1 Communities', cell E9] {problem.what()}"
    assert problem.record(APCC)["message"] == problem.message  # no APCC wording yet: the same


def test_a_rule_can_carry_a_second_wording_for_the_apcc():
    rule = Rule(
        "example",
        problems.WARNING,
        "Example",
        "the OPCC's words about {thing}.",
        "What the OPCC does.",
        wordings={APCC: Wording("the APCC's words about {thing}.", "What the APCC does.")},
    )
    assert rule.wording(OPCC).message == "the OPCC's words about {thing}."
    assert render(rule.wording(APCC).message, {"thing": "x"}) == "the APCC's words about x."
    assert Code.W101.rule.wording(APCC) == Code.W101.rule.wording(OPCC)


@pytest.mark.parametrize("code", [f"E0{n:02d}" for n in range(7, 14)])
def test_each_identity_and_batch_rule_is_enforced_in_one_module(code):
    homes = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(rf"\bCode\.{code}\b", path.read_text(encoding="utf-8"))
    }
    assert homes == {"rules.py"}


def test_why_a_workbook_is_not_the_template_is_worded_once():
    problem = rules.not_template("x.xlsx", "other_template", template_id="acme-survey")
    assert problem.code == "E007"
    assert "names the template 'acme-survey'" in problem.message
