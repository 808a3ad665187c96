"""Welsh reports: the catalogues are complete, and a Welsh member's report is in Welsh.

The Welsh report is read back from the .docx written by `equality report` for a return made by
the project's own generator and filled in, as a user gets it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import docx
import pandas as pd
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from click.testing import CliRunner
from docx.oxml.ns import qn

from pipeline import framework, i18n, members, vocabulary
from pipeline.cli import main
from pipeline.fill import fill_workbook

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "pipeline" / "locale"
YEAR = "2025-26"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REVIEW = "Needs review by a Welsh translator"


def catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def strings(message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, tuple | list) else (value,)


# --- the catalogues -----------------------------------------------------------------------------


def test_the_template_holds_every_string_of_the_report_code(tmp_path):
    extracted = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(extracted), str(ROOT)]
    )
    fresh = {m.id for m in catalogue(extracted) if m.id}
    kept = {m.id for m in catalogue(LOCALE / "messages.pot") if m.id}
    assert fresh, "nothing was extracted: is babel.cfg right?"
    assert fresh == kept, "run `make messages` and translate the new Welsh entries"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_each_catalogue_has_every_string_of_the_template(language):
    template = {m.id for m in catalogue(LOCALE / "messages.pot") if m.id}
    po = catalogue(LOCALE / language / "LC_MESSAGES" / "report.po")
    assert {m.id for m in po if m.id} == template


def test_every_string_has_a_welsh_translation_and_the_catalogue_asks_for_review():
    po = catalogue(LOCALE / "cy" / "LC_MESSAGES" / "report.po")
    untranslated = [m.id for m in po if m.id and not all(s.strip() for s in strings(m))]
    assert untranslated == []
    assert [m.id for m in po if m.id and m.fuzzy] == []
    assert REVIEW in po.header_comment
    assert po.num_plurals == 6 and len(strings(next(m for m in po if m.pluralizable))) == 6
    assert REVIEW in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_welsh_strings_keep_the_placeholders_of_the_english():
    po = catalogue(LOCALE / "cy" / "LC_MESSAGES" / "report.po")
    for message in po:
        if not message.id:
            continue
        wanted = set(re.findall(r"\{\w*\}", " ".join(ids(message))))
        for string in strings(message):
            assert set(re.findall(r"\{\w*\}", string)) <= wanted, (message.id, string)
            if not message.pluralizable:
                assert set(re.findall(r"\{\w*\}", string)) == wanted, (message.id, string)


def test_the_translator_speaks_welsh_and_refuses_an_unknown_language():
    welsh = i18n.translator("cy")
    assert welsh._("Contents") == "Cynnwys"
    assert welsh.tag == "cy-GB" and i18n.translator("en").tag == "en-GB"
    assert i18n.translator("en")._("Contents") == "Contents"
    with pytest.raises(ValueError, match="No report catalogue"):
        i18n.translator("fr")


# --- a Welsh member's reports -------------------------------------------------------------------

ANSWERS = {
    "1.1.a": {"evidence": "Data sharing agreement", "evidence_link": "https://example.org/1"},
    "4.3.a": {"na_reason": "The OPCC commissions no such service."},
}
PROFILE = {
    "lead_role": "Head of Policy",
    "employees": 24,
    "equality_statement": "Fairness for every community.",
    "signoff_role": "Chief Executive",
    "signoff_date": dt.date(2026, 4, 15),
}
OBJECTIVE = {
    "objective": "Fair stop and search",
    "measure": "Disproportionality ratio",
    "baseline": "4.1",
    "target": "2.0",
    "progress": "On track",
    "commentary": "Scrutiny panel meets monthly.",
}
COMMENTARY = {1: "Our data work is shared with partners."}


def status(row) -> str:
    if row.theme == 4 and row.level == "Developing":
        return vocabulary.NOT_APPLICABLE
    return vocabulary.MET if row.level_rank <= 2 or row.theme == 2 else vocabulary.PARTIALLY_MET


@pytest.fixture(scope="module")
def reports(tmp_path_factory, member_list) -> dict[str, Path]:
    """`equality report` on filled returns of gwent (Welsh) and kent, with the default options."""
    from pipeline import workbook

    root = tmp_path_factory.mktemp("welsh")
    returned = root / "returned"
    returned.mkdir()
    fw = framework.load()
    by_code = member_list.set_index("code", drop=False)
    for code in ("gwent", "kent"):
        blank = workbook.generate_workbook(
            by_code.loc[code].to_dict(), YEAR, root / "blank", generated=dt.date(2026, 1, 5)
        )
        fill_workbook(
            blank,
            returned / f"{code}.xlsx",
            statuses={row.criterion_id: status(row) for row in fw.frame.itertuples()},
            answers=ANSWERS,
            profile=PROFILE,
            objectives=[OBJECTIVE],
            commentary=COMMENTARY,
        )
    out = root / "reports"
    args = ["report", str(returned), "--out", str(out), "--date", "2026-05-01"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {p.name: p for p in out.glob("*.docx")}


def runs_by_language(document) -> tuple[list[str], list[str]]:
    """Every run's text in the body, split into (the document's language, marked English)."""
    own, english = [], []
    for run in document.element.body.iter(W + "r"):
        words = "".join(t.text or "" for t in run.iter(W + "t"))
        marked = run.find(f"{W}rPr/{W}lang")
        (english if marked is not None and marked.get(qn("w:val")) == "en-GB" else own).append(
            words
        )
    return own, english


def own_text(document) -> str:
    """What the report itself says, in its own language: every run not marked English, and the
    tables' captions and descriptions and the figures' titles and alt text."""
    own, _ = runs_by_language(document)
    body = document.element.body
    attributes = [e.get(qn("w:val")) for e in body.iter(W + "tblCaption")]
    attributes += [e.get(qn("w:val")) for e in body.iter(W + "tblDescription")]
    for picture in body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
    ):
        attributes += [picture.get("title"), picture.get("descr")]
    return "\n".join([*own, *attributes])


def from_elsewhere(member_list) -> list[str]:
    """Text a Welsh report rightly holds in English: the framework's own words, the statuses of
    the workbook, the member's name and what the return says."""
    fw = framework.load()
    words = [fw.title, fw.scoring_rule, *fw.level_definitions.values(), *vocabulary.STATUSES]
    words += list(fw.frame["text"])
    for section in fw.sections:
        words.append(section.title)
        for theme in section.themes:
            words.append(theme.title)
            words += [theme.level(name).descriptor for name in vocabulary.LEVELS]
    words += list(member_list.set_index("code").loc["gwent"].astype(str))
    words += [str(v) for v in PROFILE.values()] + list(OBJECTIVE.values())
    words += list(COMMENTARY.values())
    words += [v for answer in ANSWERS.values() for v in answer.values()]
    words += list(vocabulary.LEVEL_LADDER)
    return sorted({w for w in words if w}, key=len, reverse=True)


def english_fragments() -> list[str]:
    """The English words of the catalogue that Welsh says otherwise: each message's text between
    its placeholders, where the Welsh differs (not a name or an acronym)."""
    po = catalogue(LOCALE / "cy" / "LC_MESSAGES" / "report.po")
    fragments = set()
    for message in po:
        if not message.id:
            continue
        welsh = " ".join(strings(message))
        for english in ids(message):
            for part in re.split(r"\{\w*\}", english):
                part = part.strip(" .,:;()'\"—-")
                if len(part) >= 4 and re.search(r"[a-z]", part) and part not in welsh:
                    fragments.add(part)
    return sorted(fragments)


def test_a_welsh_member_gets_a_welsh_and_an_english_report_linked_to_each_other(reports):
    cy, en = (f"gwent-equality-report-{YEAR}-{lang}.docx" for lang in ("cy", "en"))
    assert cy in reports and en in reports
    assert f"gwent-equality-report-{YEAR}.docx" not in reports
    for name, other, language, line in (
        (cy, en, "cy-GB", "Mae'r adroddiad hwn ar gael yn Saesneg:"),
        (en, cy, "en-GB", "This report is also available in Welsh:"),
    ):
        document = docx.Document(str(reports[name]))
        assert document.core_properties.language == language
        defaults = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
        assert defaults.get(qn("w:val")) == language
        first = document.paragraphs[
            next(i for i, p in enumerate(document.paragraphs) if p.text.startswith(line))
        ]
        assert first.text == f"{line} {other}"
        (link,) = first._p.findall(W + "hyperlink")
        target = document.part.rels[link.get(qn("r:id"))].target_ref
        assert target == other


def test_the_welsh_report_says_the_criteria_are_in_english_and_marks_them_so(reports):
    document = docx.Document(str(reports[f"gwent-equality-report-{YEAR}-cy.docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Nid oes cyfieithiad Cymraeg swyddogol" in text
    _, english = runs_by_language(document)
    criteria = set(framework.load().frame["text"])
    assert criteria & set(english), "the criteria's runs are marked English"
    own, _ = runs_by_language(document)
    assert not criteria & set(own)
    english_doc = docx.Document(str(reports[f"gwent-equality-report-{YEAR}-en.docx"]))
    assert runs_by_language(english_doc)[1] == [], "an English report marks nothing as English"


def test_no_english_string_of_the_catalogue_is_left_in_the_welsh_report(reports, member_list):
    document = docx.Document(str(reports[f"gwent-equality-report-{YEAR}-cy.docx"]))
    text = own_text(document)
    for words in from_elsewhere(member_list):
        text = text.replace(words, " ")
    left = [f for f in english_fragments() if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text)]
    assert left == []


def test_a_member_not_flagged_welsh_gets_one_english_report_as_before(reports):
    assert f"kent-equality-report-{YEAR}.docx" in reports
    assert not [
        name
        for name in reports
        if name.startswith("kent-") and name != f"kent-equality-report-{YEAR}.docx"
    ]
    document = docx.Document(str(reports[f"kent-equality-report-{YEAR}.docx"]))
    assert document.core_properties.language == "en-GB"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "available in Welsh" not in text and "Saesneg" not in text


def test_language_en_gives_a_welsh_member_one_english_report(tmp_path, reports):
    returned = next(iter(reports.values())).parent.parent / "returned"
    out = tmp_path / "english"
    args = ["report", str(returned / "gwent.xlsx"), "--out", str(out), "--language", "en"]
    result = CliRunner().invoke(main, [*args, "--date", "2026-05-01"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.glob("*.docx")] == [f"gwent-equality-report-{YEAR}.docx"]
    document = docx.Document(str(out / f"gwent-equality-report-{YEAR}.docx"))
    assert document.core_properties.language == "en-GB"
    assert "available in Welsh" not in "\n".join(p.text for p in document.paragraphs)


def test_a_member_list_without_the_welsh_column_gives_english_reports(tmp_path, reports):
    listed = pd.read_csv(members.default_members_path(), dtype=str, keep_default_na=False)
    path = tmp_path / "members.csv"
    listed.drop(columns=[members.WELSH]).to_csv(path, index=False)
    returned = next(iter(reports.values())).parent.parent / "returned"
    out = tmp_path / "plain"
    args = ["report", str(returned / "gwent.xlsx"), "--out", str(out), "--members", str(path)]
    result = CliRunner().invoke(main, [*args, "--date", "2026-05-01"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.glob("*.docx")] == [f"gwent-equality-report-{YEAR}.docx"]
