"""The Equality Report, read back as a user gets it: the .docx through python-docx, and its PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import io
import itertools
import re
import shutil
import struct
import subprocess
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from helpers import blocks, convert, needs_libreoffice, table_after
from helpers import docx_rows as rows
from helpers import is_heading as _is_heading

from pipeline import charts, framework, layout, report, returns, scoring, vocabulary

GENERATED = dt.date(2026, 5, 1)
YEAR = "2025-26"
CODE = "north-wales"
BODY = "North Wales Police and Crime Commissioner"
HEADER_LINK = "https://www.example.gov.uk/equality/"
#: The levels the statuses of `designed_status` give, worked out by hand from DOMAIN.md's rule.
EXPECTED_LEVELS = {1: "Advancing", 2: "Developing", 3: "Not yet Developing", 4: "Advancing"}
EXPECTED_LEVELS |= {5: "Developing"} | {theme: "Achieving" for theme in range(6, 17)}
TRICKY = "Second =1+1 <w:p/> {PAGE} &amp; \x07done"


# --- building returns ---------------------------------------------------------------------------


def designed_status(row) -> str:
    """Statuses chosen so that each theme lands on a known level (EXPECTED_LEVELS)."""
    first = row.criterion_id.endswith(".a")
    if row.theme in (1, 4):
        if row.theme == 4 and row.level == "Advancing" and first:
            return vocabulary.NOT_APPLICABLE  # with a reason: counts
        return vocabulary.MET
    if row.theme == 2:
        return vocabulary.NOT_MET if row.level == "Achieving" and first else vocabulary.MET
    if row.theme == 3:
        return vocabulary.PARTIALLY_MET if row.level == "Developing" and first else vocabulary.MET
    if row.theme == 5:
        return vocabulary.NOT_APPLICABLE if row.level == "Achieving" and first else vocabulary.MET
    return vocabulary.NOT_MET if row.level == "Advancing" else vocabulary.MET


def make_return(
    code: str = CODE,
    status: Callable = designed_status,
    *,
    objectives: list[dict] | None = None,
    **profile: object,
) -> returns.Return:
    """A Return as ingest makes one, with every column of the contract."""
    fw = framework.load()
    rows = []
    for row in fw.frame.itertuples():
        value = status(row)
        met = value == vocabulary.MET
        link = f"{HEADER_LINK}{row.criterion_id}" if met and row.theme == 1 else ""
        if row.criterion_id == "2.1.a":
            link = "javascript:alert(1)"
        elif row.criterion_id == "2.1.b":
            link = "file:///etc/passwd"
        reason = ""
        if value == vocabulary.NOT_APPLICABLE and row.theme == 4:
            reason = "The OPCC commissions no such service."
        rows.append(
            {
                "opcc_code": code,
                "criterion_id": row.criterion_id,
                "theme": row.theme,
                "level": row.level,
                "status": value,
                "status_raw": value,
                "evidence": f"Board minutes for {row.criterion_id}" if value else "",
                "evidence_link": link,
                "owner": "" if met else "Head of Policy",
                "target_date": pd.NaT if met else pd.Timestamp("2026-03-31"),
                "target_date_raw": "",
                "na_reason": reason,
                "criterion_text": row.text,
                "sheet": layout.SECTION_SHEETS[row.section],
                "row": 10,
            }
        )
    responses = pd.DataFrame(rows, columns=returns.RESPONSE_COLUMNS)
    responses["target_date"] = pd.to_datetime(responses["target_date"])
    if objectives is None:
        objectives = [
            {
                "number": 1,
                "objective": "Widen the range of people who apply to work at the OPCC.",
                "related_themes": "13, 14",
                "measure": "Applicants from ethnic minority groups",
                "baseline": "8% (2024)",
                "target": "15% by March 2027",
                "progress": "On track",
                "commentary": "Vacancies now go to community networks first.",
            },
            {
                "number": 2,
                "objective": "<b>Reduce</b> disparity in stop and search.",
                "related_themes": "1",
                "measure": "Disproportionality ratio",
                "baseline": "4.1",
                "target": "2.0",
                "progress": "At risk",
                "commentary": "",
            },
        ]
    objective_rows = pd.DataFrame(
        [
            {"opcc_code": code, "sheet": "Objectives", "row": 5 + i, **o}
            for i, o in enumerate(objectives)
        ],
        columns=returns.OBJECTIVE_COLUMNS,
    )
    commentary = pd.DataFrame(
        [
            {
                "opcc_code": code,
                "theme": theme.number,
                "text": f"Our work on theme {theme.number}.\n\n{TRICKY}",
                "sheet": "x",
                "cell": "C5",
            }
            for theme in fw.themes
        ],
        columns=returns.COMMENTARY_COLUMNS,
    )
    values = {key: "" for key, _, _ in layout.PROFILE_FIELDS}
    values |= {
        "opcc_code": code,
        "reporting_year": YEAR,
        "lead_role": "Head of Policy",
        "employees": 24,
        "signoff_role": "Chief Executive",
        "signoff_date": dt.date(2026, 4, 15),
        "equality_statement": "The Commissioner serves every community in North Wales.",
        "published_links": "https://www.example.gov.uk/equality-information",
    }
    values |= profile
    return returns.Return(
        path=Path(f"{code}-equality-self-assessment-{YEAR}.xlsx"),
        sha256="ab" * 32,
        opcc_code=code,
        reporting_year=YEAR,
        framework_edition=fw.edition,
        template_version=layout.TEMPLATE_VERSION,
        profile=values,
        responses=responses,
        objectives=objective_rows,
        commentary=commentary,
    )


def all_at(rank: int) -> Callable:
    """Statuses that put every theme at LEVEL_LADDER[rank]."""
    return lambda row: vocabulary.MET if row.level_rank <= rank else vocabulary.NOT_MET


def member(member_list, code: str = CODE) -> dict:
    return member_list.set_index("code").loc[code].to_dict() | {"code": code}


def build(
    ret, member_list, *, others=(), template=None, appendix="summary"
) -> docx.document.Document:
    batch = [ret, *others]
    scores = scoring.score(pd.concat([r.responses for r in batch]), framework.load())
    national = scores.themes if others else None
    return report.build_report(
        ret,
        scores,
        framework.load(),
        member(member_list, ret.opcc_code),
        template=template,
        national=national,
        generated=GENERATED,
        appendix=appendix,
    )


def reopen(document) -> docx.document.Document:
    """Save and read back, so that assertions see what Word would open."""
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return docx.Document(buffer)


@pytest.fixture(scope="module")
def members_frame():
    from pipeline import members

    return members.load_members()


@pytest.fixture(scope="module")
def main_doc(members_frame):
    """The report of CODE in a run with two other returns (one all Developing, one Advancing)."""
    others = [make_return("dyfed-powys", all_at(1)), make_return("gwent", all_at(3))]
    return reopen(build(make_return(), members_frame, others=others))


@pytest.fixture(scope="module")
def main_scores():
    batch = [make_return(), make_return("dyfed-powys", all_at(1)), make_return("gwent", all_at(3))]
    return scoring.score(pd.concat([r.responses for r in batch]), framework.load())


# --- reading documents --------------------------------------------------------------------------


def headings(document) -> list[tuple[int, str]]:
    return [
        (int(p.style.name.split()[-1]), p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading ")
    ]


def paragraph_after(document, heading: str, nth: int = 0) -> str:
    items = blocks(document)
    start = next(i for i, b in enumerate(items) if _is_heading(b, heading))
    return [b.text for b in items[start + 1 :] if isinstance(b, Paragraph)][nth]


def prompt_runs(document) -> list[str]:
    """The text of every run in the Editor Prompt character style, in the body and its tables."""
    style_id = document.styles["Editor Prompt"].style_id
    return [
        "".join(t.text for t in run.iter(qn("w:t")))
        for run in document.element.body.iter(qn("w:r"))
        if run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}") is not None
        and run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}").get(qn("w:val")) == style_id
    ]


def assert_highlighted(document) -> None:
    """The Editor Prompt style is bold on a yellow highlight (what makes a prompt stand out)."""
    style = document.styles["Editor Prompt"]
    assert style.font.bold is True
    assert style.font.highlight_color == WD_COLOR_INDEX.YELLOW
    shading = style.element.rPr.find(qn("w:shd"))  # what LibreOffice shows
    assert shading.get(qn("w:fill")) == "FFFF00"


def body_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# --- structure and accessibility ----------------------------------------------------------------


def test_title_page_names_the_body_year_edition_and_date(main_doc):
    first = [p for p in main_doc.paragraphs[:6]]
    assert (first[0].style.name, first[0].text) == ("Title", f"Equality Report {YEAR}")
    assert (first[1].style.name, first[1].text) == ("Subtitle", BODY)
    text = "\n".join(p.text for p in first)
    assert "edition 2024-25" in text
    # The date of publication is the editor's to fill in: a highlighted prompt with the draft date.
    date = next(p for p in first if p.text.startswith("Date of publication:"))
    prompt = "[Editor: the date this report is published (this draft: 1 May 2026)]"
    assert date.text == f"Date of publication: {prompt}"
    assert date.runs[-1].text == prompt
    assert date.runs[-1].style.name == "Editor Prompt"
    assert_highlighted(main_doc)
    assert "Draft" not in body_text(main_doc)
    assert main_doc.core_properties.content_status == "Final"


def test_headings_use_built_in_styles_in_order_without_skipping(main_doc):
    found = headings(main_doc)
    assert found[0] == (1, "Introduction")
    for (before, _), (after, text) in itertools.pairwise(found):
        assert after <= before + 1, f"{text!r} skips a heading level"
    fw = framework.load()
    chapters = [text for level, text in found if level == 1]
    assert chapters == [
        "Introduction",
        "At a glance",
        "Equality objectives",
        *(f"Section {s.number}: {s.title}" for s in fw.sections),
        "National picture",
        "Appendix",
    ]
    themes = [text for level, text in found if re.match(r"Theme \d+:", text) and level == 2]
    assert themes == [f"Theme {t.number}: {t.title}" for t in fw.themes]
    styles = {p.style.style_id for p in main_doc.paragraphs if p.style.name.startswith("Heading")}
    assert styles == {"Heading1", "Heading2", "Heading3"}  # Word's built-in heading styles


def test_every_table_has_a_repeated_header_row_no_merges_and_a_description(main_doc):
    assert len(main_doc.tables) > 20
    for table in main_doc.tables:
        assert table.style.name == "Data Table"
        first = table.rows[0]._tr
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert all(
            r._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None for r in table.rows[1:]
        )
        for tag in ("w:gridSpan", "w:vMerge", "w:hMerge"):
            assert not table._tbl.findall(f".//{qn(tag)}"), tag
        properties = table._tbl.tblPr
        for tag in ("w:tblCaption", "w:tblDescription"):
            assert properties.find(qn(tag)).get(qn("w:val")).strip(), tag
        assert {p.style.name for c in table.rows[0].cells for p in c.paragraphs} == {
            "Table Heading"
        }
        assert all(cell.text.strip() for row in table.rows for cell in row.cells)


def test_at_a_glance_shows_each_theme_level_as_computed(main_doc, main_scores):
    table = table_after(main_doc, "Levels by theme")
    body = rows(table)
    assert body[0][:2] == ["Theme", "Level reached"]
    computed = main_scores.for_opcc(CODE).themes.set_index("theme")["level"].to_dict()
    assert computed == EXPECTED_LEVELS
    fw = framework.load()
    for theme, row_cells, row in zip(fw.themes, body[1:], table.rows[1:], strict=True):
        assert row_cells[0] == f"{theme.number}. {theme.title}"
        assert row_cells[1] == EXPECTED_LEVELS[theme.number]
        shading = row.cells[1]._tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
        assert shading.get(qn("w:fill")) == vocabulary.LEVEL_FILLS[row_cells[1]]
    assert [body[n][3] for n in (1, 4, 5)] == ["0", "1", "1"]  # claims 4.3.a and 5.2.a
    achieving = len(fw.theme(2).level("Achieving").criteria)
    assert body[2][2] == f"Achieving: {achieving - 1} of {achieving} criteria satisfied"
    assert body[1][2] == "Highest level reached"


def test_sections_and_profile(main_doc):
    sections = rows(table_after(main_doc, "Levels by section"))
    # Theme 3 (section 1) is Not yet Developing; section 2 holds themes 6-10, all Achieving.
    assert [r[1] for r in sections[1:]] == [
        "Not yet Developing",
        "Achieving",
        "Achieving",
        "Achieving",
    ]
    profile = rows(table_after(main_doc, "Themes at each level"))
    assert profile[1:] == [
        ["Advancing", "2", "1, 4"],
        ["Achieving", "11", "6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16"],
        ["Developing", "2", "2, 5"],
        ["Not yet Developing", "1", "3"],
    ]


def test_chart_has_alt_text_saying_which_theme_is_at_which_level(main_doc):
    pictures = main_doc.inline_shapes
    assert len(pictures) == 1
    properties = pictures[0]._inline.docPr
    description = properties.get("descr")
    assert properties.get("title")
    assert "16 themes" in description
    assert (
        "Advancing (2 themes): 1 Collecting and Sharing Information; 4 Fostering Good"
        in description
    )
    assert "Not yet Developing (1 theme): 3 Effective Community Engagement." in description
    # Print resolution: the PNG's pixels over its width on the page.
    blob = pictures[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    png = main_doc.part.related_parts[blob].blob
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = struct.unpack(">I", png[16:20])[0]
    assert pixels / pictures[0].width.inches >= 200


def test_core_properties(main_doc):
    properties = main_doc.core_properties
    assert properties.title == f"Equality Report {YEAR}: {BODY}"
    assert properties.author == BODY
    assert properties.language == "en-GB"
    assert "APCC Equality Framework" in properties.subject
    assert properties.created == dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    assert properties.modified == properties.created
    header = main_doc.sections[0].header
    assert properties.title in header._element.xml  # the header's TITLE field shows it


def test_contents_is_a_toc_field_word_updates_on_opening(main_doc):
    body = main_doc.element.body
    instructions = [t.text for t in body.iter(qn("w:instrText"))]
    assert len(instructions) == 1 and instructions[0].strip().startswith("TOC \\o")
    kinds = [c.get(qn("w:fldCharType")) for c in body.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    entries = [p.text for p in main_doc.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    assert entries[:2] == ["Introduction", "The Public Sector Equality Duty"]
    assert "Theme 16: Health and Wellbeing" in entries
    settings = main_doc.settings.element
    update = settings.find(qn("w:updateFields"))
    assert update.get(qn("w:val")) == "true"
    order = [child.tag for child in settings]
    assert order.index(qn("w:updateFields")) < order.index(qn("w:compat"))


def test_objectives_are_reported_with_measure_baseline_target_progress(main_doc):
    assert paragraph_after(main_doc, "Objective 1") == (
        "Widen the range of people who apply to work at the OPCC."
    )
    assert rows(table_after(main_doc, "Objective 1")) == [
        ["Measure", "Baseline", "Target", "Progress"],
        ["Applicants from ethnic minority groups", "8% (2024)", "15% by March 2027", "On track"],
    ]
    assert "Commentary: Vacancies now go to community networks first." in body_text(main_doc)
    assert paragraph_after(main_doc, "Objective 2") == "<b>Reduce</b> disparity in stop and search."
    assert rows(table_after(main_doc, "Objective 2"))[1][3] == "At risk"


def test_no_objectives_says_what_the_duty_requires(members_frame):
    document = build(make_return(objectives=[]), members_frame)
    assert "lists no equality objectives" in paragraph_after(document, "Equality objectives")


def test_theme_chapter_shows_level_commentary_in_place_and_next_steps(main_doc, main_scores):
    fw = framework.load()
    theme_2 = fw.theme(2)
    achieving = len(theme_2.level("Achieving").criteria)
    developing = len(theme_2.level("Developing").criteria)
    ids = [c.id for c in theme_2.criteria]
    assert paragraph_after(main_doc, "Theme 2: Analysing and Using Data and Information") == (
        "Level reached: Developing. Every criterion at Developing is satisfied; satisfied: "
        f"{developing} of {developing} Developing, {achieving - 1} of {achieving} Achieving, "
        f"{len(theme_2.level('Advancing').criteria)} of {len(theme_2.level('Advancing').criteria)}"
        f" Advancing criteria. Framework reference: theme 2, criteria {ids[0]} to {ids[-1]}."
    )
    in_place = rows(table_after(main_doc, "Theme 2: Analysing and Using Data and Information"))
    assert in_place[0] == ["ID", "Evidence"]
    assert [r[0] for r in in_place[1:]] == [cid for cid in ids if cid != "2.2.a"]
    assert in_place[1] == [
        "2.1.a",
        "Board minutes for 2.1.a\nEvidence link (not a web address): javascript:alert(1)",
    ]
    # The framework's wording is referred to, not reprinted: no level descriptor, no criterion
    # text in what is in place.
    text = body_text(main_doc)
    for theme in fw.themes:
        for level in theme.levels:
            assert level.descriptor.split("\n\n")[0] not in text
    assert theme_2.criteria[0].text not in "\n".join("\n".join(r) for r in in_place)
    steps = main_scores.for_opcc(CODE).next_steps
    expected = steps.loc[steps["theme"] == 2, "criterion_id"].tolist()
    assert expected == ["2.2.a"]
    next_steps = rows(table_after(main_doc, "To reach Achieving"))
    assert next_steps[0] == ["ID", "Criterion", "Status", "Owner", "Target date"]
    assert next_steps[1][0] == "2.2.a"
    assert next_steps[1][2:] == ["Not met", "Head of Policy", "31 March 2026"]
    document_headings = [text for _, text in headings(main_doc)]
    theme_1 = document_headings.index("Theme 1: Collecting and Sharing Information")
    assert document_headings[theme_1 + 1 : theme_1 + 4] == [
        "Commentary",
        "What is in place",
        "Next steps",
    ]


def test_not_applicable_claims_are_shown_with_their_reasons(main_doc):
    claims = rows(table_after(main_doc, "Not applicable claims"))
    assert claims[0] == ["ID", "Criterion", "Reason given", "Counted as satisfied"]
    by_id = {r[0]: r for r in claims[1:]}
    assert by_id["4.3.a"][2:] == ["The OPCC commissions no such service.", "Yes"]
    assert by_id["5.2.a"][2:] == ["None", "No: no reason given"]
    chapter = [
        paragraph_after(main_doc, "Theme 5: Participation in Democracy", n) for n in range(8)
    ]
    claim = "Not applicable claims in this theme: 5.2.a. 0 claims with a reason count as satisfied"
    assert any(text.startswith(claim) for text in chapter)


def test_text_from_a_return_stays_plain_text(main_doc):
    text = body_text(main_doc)
    assert "Second =1+1 <w:p/> {PAGE} &amp; done" in text
    assert "\x07" not in text
    # The only fields are the contents (body) and TITLE/PAGE/NUMPAGES (header and footer).
    assert len(list(main_doc.element.body.iter(qn("w:instrText")))) == 1
    assert not list(main_doc.element.body.iter(qn("w:fldSimple")))


def test_evidence_links_are_real_hyperlinks_that_say_where_they_go(main_doc):
    relationships = main_doc.part.rels
    external = {r.target_ref for r in relationships.values() if r.is_external}
    assert f"{HEADER_LINK}1.1.a" in external
    assert "https://www.example.gov.uk/equality-information" in external
    assert not any(t.startswith(("javascript:", "file:")) for t in external)
    links = {}
    for link in main_doc.element.body.iter(qn("w:hyperlink")):
        target = relationships[link.get(qn("r:id"))].target_ref
        run = link.find(qn("w:r"))
        assert run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}").get(qn("w:val")) == "Hyperlink"
        links.setdefault(target, "".join(t.text for t in link.iter(qn("w:t"))))
    # The evidence's own description is the link text (one line, not the address as well).
    assert links[f"{HEADER_LINK}1.1.a"] == "Board minutes for 1.1.a"
    text = body_text(main_doc)
    assert "Evidence link (not a web address): javascript:alert(1)" in text
    assert "Evidence link (not a web address): file:///etc/passwd" in text


def test_a_link_without_a_description_says_where_it_goes(members_frame):
    ret = make_return()
    ret.responses.loc[ret.responses["criterion_id"] == "1.1.b", "evidence"] = ""
    document = build(ret, members_frame)
    in_place = {
        r[0]: r[1]
        for r in rows(table_after(document, "Theme 1: Collecting and Sharing Information"))
    }
    assert in_place["1.1.b"] == "Evidence for 1.1.b (www.example.gov.uk/equality/1.1.b)"
    assert in_place["1.1.a"] == "Board minutes for 1.1.a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.gov.uk/a?b=1", "https://example.gov.uk/a?b=1"),
        ("HTTP://example.gov.uk", "HTTP://example.gov.uk"),
        ("javascript:alert(1)", None),
        ("ftp://example.gov.uk/file", None),
        ("https://", None),
        ("https://example.gov.uk/a b", None),
        ('https://example.gov.uk/"onclick', None),
        ("www.example.gov.uk", None),
        ("", None),
    ],
)
def test_only_http_addresses_become_links(text, expected):
    assert report.web_address(text) == expected


def test_incomplete_return_is_marked_draft_and_says_what_is_missing(members_frame):
    blank = {"3.1.b", "3.2.a"} | {c.id for c in framework.load().theme(9).criteria}

    def status(row):
        return "" if row.criterion_id in blank else designed_status(row)

    document = build(make_return(status=status), members_frame)
    texts = [p.text for p in document.paragraphs[:12]]
    notice = next(p for p in document.paragraphs[:12] if p.text == "Draft — incomplete return")
    assert notice.style.name == "Draft Notice"
    assert any(t.startswith(f"{len(blank)} of 218 criteria have no valid status") for t in texts)
    assert "Theme 3 (Effective Community Engagement): 3.1.b, 3.2.a" in texts
    theme_9 = len(framework.load().theme(9).criteria)
    assert f"Theme 9 (Equality Objectives and Annual Reporting): all {theme_9} criteria" in texts
    assert document.core_properties.content_status == "Draft"
    # The summary appendix counts them per theme; the full one lists each as Not assessed.
    counts = {r[0]: r for r in rows(table_after(document, "Criteria by status"))}
    assert counts["3. Effective Community Engagement"][5] == "2"
    assert counts["9. Equality Objectives and Annual Reporting"][5] == str(theme_9)
    assert counts["All themes"][5] == str(len(blank))
    full = build(make_return(status=status), members_frame, appendix="full")
    every = rows(table_after(full, "Theme 3: Effective Community Engagement", occurrence=-1))
    assert {r[0]: r[2] for r in every[1:]}["3.1.b"] == "Not assessed"


@pytest.mark.parametrize(
    ("employees", "note"), [(24, True), ("149", True), (150, False), ("", False)]
)
def test_small_offices_get_the_employee_information_note(members_frame, employees, note):
    document = build(make_return(employees=employees), members_frame)
    assert ("fewer than 150 employees are exempt" in body_text(document)) is note


def test_statement_missing_leaves_the_editor_a_highlighted_prompt(members_frame):
    document = reopen(build(make_return(equality_statement=""), members_frame))
    statement = paragraph_after(document, "The Commissioner's equality statement")
    prompt = "[Editor: add the Commissioner's equality statement (the return gave none).]"
    assert statement == prompt
    assert prompt in prompt_runs(document)
    assert_highlighted(document)


# --- the national picture -----------------------------------------------------------------------


def test_national_picture_compares_without_naming_anyone(main_doc, members_frame):
    text = body_text(main_doc)
    assert "all 3 returns accepted" in text
    # 13 themes at Achieving or above here; the others have 0 and 16: the median is 13.
    assert (
        "Themes at Achieving or above: 13 of 16 here; the median across the returns is 13." in text
    )
    table = rows(table_after(main_doc, "Theme by theme"))
    assert table[0] == [
        "Theme",
        "Level here",
        "Median of all returns",
        "Returns at this level or above",
    ]
    by_theme = {r[0].split(".")[0]: r[1:] for r in table[1:]}
    assert by_theme["1"] == ["Advancing", "Advancing", "2 of 3"]
    assert by_theme["3"] == ["Not yet Developing", "Developing", "3 of 3"]
    assert by_theme["6"] == ["Achieving", "Achieving", "2 of 3"]
    assert "Themes where the OPCC is above the median: none." in text
    assert "Themes where the OPCC is below the median: 3." in text
    others = members_frame.set_index("code").loc[["dyfed-powys", "gwent"]]
    for name in [*others["policing_body"], *others["force_area"], "dyfed-powys", "gwent"]:
        assert name not in text


def test_no_national_picture_for_a_single_return(members_frame):
    document = build(make_return(), members_frame)
    assert "National picture" not in [text for _, text in headings(document)]


def test_national_position_uses_the_lower_median_level():
    themes = pd.DataFrame(
        {
            "opcc_code": ["a", "b", "a", "b"],
            "theme": [1, 1, 2, 2],
            "theme_title": ["One", "One", "Two", "Two"],
            "level_rank": [1, 2, 3, 3],
        }
    )
    position = report.national_position(themes, "a").set_index("theme")
    # Two returns, Developing and Achieving: the lower middle level, never "between" the two.
    assert position.loc[1, ["median_level", "median_rank"]].tolist() == ["Developing", 1]
    assert position.loc[1, "position"] == "at"
    assert report.national_position(themes, "b").set_index("theme").loc[1, "position"] == "above"
    assert position.loc[2, ["level", "position", "at_or_above", "returns"]].tolist() == [
        "Advancing",
        "at",
        2,
        2,
    ]


# --- files, determinism, templates and edits ----------------------------------------------------


def write(out_dir: Path, rets, members_frame, **options) -> list[report.ReportOutcome]:
    scores = scoring.score(pd.concat([r.responses for r in rets]), framework.load())
    options.setdefault("generated", GENERATED)
    return report.write_reports(rets, scores, framework.load(), members_frame, out_dir, **options)


def test_same_inputs_give_the_same_bytes(tmp_path, members_frame):
    rets = [make_return(), make_return("gwent", all_at(2))]
    first = write(tmp_path / "one", rets, members_frame)
    second = write(tmp_path / "two", list(reversed(rets)), members_frame)
    assert [o.path.name for o in first] == [
        f"gwent-equality-report-{YEAR}.docx",
        f"north-wales-equality-report-{YEAR}.docx",
    ]
    for a, b in zip(first, second, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


def test_reports_rendered_on_a_process_pool_are_the_same_bytes(tmp_path, members_frame):
    rets = [make_return(), make_return("gwent", all_at(2))]
    serial = write(tmp_path / "serial", rets, members_frame)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = write(tmp_path / "pool", rets, members_frame, executor=pool)
    assert [o.path.name for o in pooled] == [o.path.name for o in serial]
    for a, b in zip(serial, pooled, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


def test_an_edited_report_survives_a_rerun(tmp_path, members_frame):
    rets = [make_return()]
    [outcome] = write(tmp_path, rets, members_frame)
    assert outcome.status == "written"
    edited = docx.Document(str(outcome.path))
    edited.paragraphs[2].insert_paragraph_before("Foreword by the Commissioner, added in Word.")
    edited.save(str(outcome.path))

    [again] = write(tmp_path, rets, members_frame)
    assert again.status == "kept-edited"
    kept = docx.Document(str(outcome.path))
    assert "Foreword by the Commissioner, added in Word." in [p.text for p in kept.paragraphs]
    assert again.path.name == f"north-wales-equality-report-{YEAR}.new.docx"
    assert "Foreword" not in body_text(docx.Document(str(again.path)))
    assert "--force" in again.message

    [forced] = write(tmp_path, rets, members_frame, force=True)
    assert forced.status == "overwritten"
    assert "Foreword" not in body_text(docx.Document(str(forced.path)))
    [unchanged] = write(tmp_path, rets, members_frame)
    assert unchanged.status == "unchanged"


def restyled_template(folder: Path) -> Path:
    """The default template with Heading 1 in another font: what the APCC might do in Word."""
    template = docx.Document(str(report.DEFAULT_TEMPLATE))
    heading = template.styles["Heading 1"]
    heading.font.name = "Liberation Serif"
    heading.font.size = Pt(22)
    template.styles["TOC 1"].name = "toc 1"  # as Word itself names it when it saves
    path = folder / "restyled.docx"
    template.save(str(path))
    return path


def test_restyling_the_template_restyles_the_report(tmp_path, members_frame):
    template = restyled_template(tmp_path)
    document = reopen(build(make_return(), members_frame, template=template))
    assert document.styles["Heading 1"].font.name == "Liberation Serif"
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith("Heading"):
            assert paragraph.paragraph_format.alignment is None
            assert all(r.font.name is None and r.font.size is None for r in paragraph.runs)
    contents = [p for p in document.paragraphs if p.style.style_id == "TOC1"]
    assert contents[0].text == "Introduction"
    default = reopen(build(make_return(), members_frame))
    assert default.styles["Heading 1"].font.name == "Arial"


def test_default_template_is_accessible(tmp_path):
    template = docx.Document(str(report.DEFAULT_TEMPLATE))
    normal = template.styles["Normal"]
    assert normal.font.name == "Arial" and normal.font.size.pt >= 12
    assert normal.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
    defaults = template.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:val")) == "en-GB"
    assert not template.element.body.findall(qn("w:p"))  # no body content
    for name in report.PARAGRAPH_STYLES:
        if name.startswith(("Heading", "Title", "Table", "TOC")):
            size = template.styles[name].font.size
            assert size is None or size.pt >= 12, name


def test_the_template_script_rebuilds_a_usable_template(tmp_path, members_frame):
    script = Path(report.DEFAULT_TEMPLATE).with_name("build_report_template.py")
    spec = importlib.util.spec_from_file_location("build_report_template", script)
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for name in report.PARAGRAPH_STYLES:  # the script documents every style the report uses
        assert name in builder.__doc__, name
    path = tmp_path / "rebuilt.docx"
    builder.build().save(str(path))
    document = build(make_return(), members_frame, template=path)
    assert headings(document)[0] == (1, "Introduction")


def test_chart_bytes_do_not_depend_on_the_run():
    themes = scoring.score(make_return().responses, framework.load()).themes
    first = charts.levels_chart(themes)
    charts._levels_frame.cache_clear()
    assert charts.levels_chart(themes) == first


def test_template_without_the_styles_it_needs_is_refused(tmp_path, members_frame):
    path = tmp_path / "plain.docx"
    docx.Document().save(str(path))
    with pytest.raises(report.ReportError, match=r"'Draft Notice'.*Restyle templates/report\.docx"):
        write(tmp_path / "out", [make_return()], members_frame, template=path)
    assert not (tmp_path / "out").exists()


# --- LibreOffice: what a reader of the PDF sees -------------------------------------------------


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, members_frame, national_demo) -> dict[str, object]:
    """The PDFs a reader sees, made in one LibreOffice call: the test return's report on the
    default template and on a restyled one, and the typical demo report (the median return of
    the national demo set by criteria filled in, with the default appendix)."""
    from pipeline import validate

    folder = tmp_path_factory.mktemp("report-pdfs")
    default = write(folder / "default", [make_return()], members_frame)[0].path
    template = restyled_template(folder)
    restyled = folder / "restyled-report.docx"
    shutil.copy(
        write(folder / "restyled", [make_return()], members_frame, template=template)[0].path,
        restyled,
    )
    paths = validate.discover([national_demo.folder])
    batch = validate.resolve([(p, *validate.check_file(p, members_frame)) for p in paths])
    filled = {
        r.opcc_code: int((r.responses["status"].fillna("") != "").sum()) for r in batch.returns
    }
    ordered = sorted(filled, key=lambda code: (filled[code], code))
    typical = next(r for r in batch.returns if r.opcc_code == ordered[len(ordered) // 2])
    scores = scoring.score(batch.responses, framework.load())
    [outcome] = report.write_reports(
        [typical],
        scores,
        framework.load(),
        members_frame,
        folder / "typical",
        generated=GENERATED,
        demo=True,
    )
    # Beside the typical report, where the run summary looks for its PDF.
    out = outcome.path.parent
    default_pdf, restyled_pdf, typical_pdf = convert([default, restyled, outcome.path], "pdf", out)
    return {
        "default": default_pdf,
        "restyled": restyled_pdf,
        "typical": (typical, outcome, typical_pdf),
    }


@pytest.mark.libreoffice
@needs_libreoffice
def test_pdf_shows_the_body_and_every_theme_level(pdfs):
    pdf = pdfs["default"]
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    assert BODY in flat
    for theme in framework.load().themes:
        level = EXPECTED_LEVELS[theme.number]
        assert f"Theme {theme.number}: {theme.title} Level reached: {level}" in flat
    fonts = subprocess.run(
        ["pdffonts", str(pdfs["restyled"])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "LiberationSerif" in fonts
    default_fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "LiberationSerif" not in default_fonts


# --- end to end: generated workbooks, filled in, through `equality report` ----------------------


def test_report_command_from_filled_workbooks(make_workbook, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main
    from pipeline.fill import fill_workbook

    fw = framework.load()
    returned = tmp_path / "returned"
    returned.mkdir()
    for code, status in ((CODE, designed_status), ("gwent", all_at(3))):
        answers = {
            "1.1.a": {"evidence": "Data sharing agreement", "evidence_link": f"{HEADER_LINK}1.1.a"},
            "4.3.a": {"na_reason": "The OPCC commissions no such service."},
        }
        fill_workbook(
            make_workbook(code=code, year=YEAR),
            returned / f"{code}.xlsx",
            statuses={row.criterion_id: status(row) for row in fw.frame.itertuples()},
            answers=answers,
            profile={
                "lead_role": "Head of Policy",
                "employees": 24,
                "equality_statement": "Fairness for every community.",
                "signoff_role": "Chief Executive",
                "signoff_date": dt.date(2026, 4, 15),
            },
            objectives=[
                {
                    "objective": "Fair stop and search",
                    "measure": "Disproportionality ratio",
                    "baseline": "4.1",
                    "target": "2.0",
                    "progress": "On track",
                    "commentary": "Scrutiny panel meets monthly.",
                }
            ],
            commentary={1: "Our data work =SUM(A1)"},
        )
    out = tmp_path / "reports"
    # Both members are Welsh: --language en gives each one English report under the plain name.
    args = ["report", str(returned), "--out", str(out), "--date", "2026-05-01", "--language", "en"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.docx")) == [
        f"gwent-equality-report-{YEAR}.docx",
        f"{CODE}-equality-report-{YEAR}.docx",
    ]
    path = out / f"{CODE}-equality-report-{YEAR}.docx"
    assert f"{path}: written" in result.output
    document = docx.Document(str(path))
    glance = rows(table_after(document, "Levels by theme"))
    levels = {int(r[0].split(".")[0]): r[1] for r in glance[1:]}
    assert levels == EXPECTED_LEVELS
    assert rows(table_after(document, "Objective 1"))[1] == [
        "Disproportionality ratio",
        "4.1",
        "2.0",
        "On track",
    ]
    assert "Our data work =SUM(A1)" in body_text(document)
    assert "National picture" in [text for _, text in headings(document)]
    assert document.core_properties.author == BODY

    # What is left for the editor is listed beside each report; the default appendix is short.
    assert "editor prompts left: Date of publication; Contact details; Welsh-language version" in (
        result.output
    )
    assert "Criteria by status" in [text for _, text in headings(document)]
    assert "Every criterion" not in [text for _, text in headings(document)]

    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert f"{path}: unchanged" in again.output

    full = tmp_path / "full"
    for choice, expected in (("full", "Every criterion"), ("none", None)):
        folder = full / choice
        options = ["--out", str(folder), "--appendix", choice]
        done = CliRunner().invoke(main, [*args[:2], *options, *args[4:]], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        found = [t for _, t in headings(docx.Document(str(folder / path.name)))]
        assert ("Appendix" in found) is (expected is not None)
        assert expected is None or expected in found
    bad = CliRunner().invoke(main, [*args, "--appendix", "short"])
    assert bad.exit_code == 2 and "'short' is not one of 'full', 'summary', 'none'" in bad.output


# --- the content model, apart from Word -----------------------------------------------------------


def test_the_content_model_is_plain_data_another_writer_can_lay_out(main_doc, members_frame):
    """A plain-text writer written here, against the model alone, says what the .docx says."""
    from pipeline.report import model

    ret = make_return()
    others = [make_return("dyfed-powys", all_at(1)), make_return("gwent", all_at(3))]
    scores = scoring.score(pd.concat([r.responses for r in [ret, *others]]), framework.load())
    content = report.build_content(
        ret,
        scores,
        framework.load(),
        member(members_frame, CODE),
        national=scores.themes,
        generated=GENERATED,
    )
    lines, tables = [], []
    for block in content.blocks:
        if isinstance(block, model.Heading):
            lines.append((block.level, block.text))
        elif isinstance(block, model.Table):
            body = [["\n".join(t.text for t in cell) for cell in row] for row in block.rows]
            tables.append([list(block.header), *body])
            assert all(isinstance(t, model.Text) for row in block.rows for c in row for t in c)
        else:
            assert isinstance(
                block, model.Paragraph | model.BulletList | model.Figure | model.Contents
            )
    assert lines == headings(main_doc)
    assert tables == [rows(table) for table in main_doc.tables]
    assert content.title_page.subtitle == BODY
    assert content.properties.title == main_doc.core_properties.title
    assert {b.role for b in content.blocks if isinstance(b, model.Paragraph)} == {"body", "quote"}


# --- a concise report: prompts, statements, appendix, rows kept whole ---------------------------


def content_of(ret, members_frame, **options):
    scores = scoring.score(ret.responses, framework.load())
    return report.build_content(
        ret,
        scores,
        framework.load(),
        member(members_frame, ret.opcc_code),
        generated=GENERATED,
        **options,
    )


def without_commentary(themes: set[int]) -> returns.Return:
    ret = make_return()
    commentary = ret.commentary[~ret.commentary["theme"].isin(themes)].reset_index(drop=True)
    return dataclasses.replace(ret, commentary=commentary)


def test_missing_commentary_and_evidence_leave_highlighted_prompts_never_placeholders(
    tmp_path, members_frame
):
    ret = without_commentary({3, 7})
    # 1.1.c is Met with no evidence and no link: a published report must not say "None given".
    met = ret.responses["criterion_id"] == "1.1.c"
    ret.responses.loc[met, ["evidence", "evidence_link"]] = ""
    [outcome] = write(tmp_path, [ret], members_frame)
    document = docx.Document(str(outcome.path))
    text = body_text(document)
    for placeholder in ("No commentary was given", "None given", "Not given", "left blank"):
        assert placeholder not in text
    commentary = paragraph_after(document, "Commentary")  # theme 1's: the return's own words
    assert commentary == "Our work on theme 1."
    prompts = prompt_runs(document)
    expected = (
        "[Editor: add the OPCC's commentary on this theme: what it did this year, what changed "
        "as a result and what it will focus on next (the return gave none).]"
    )
    assert prompts.count(expected) == 2
    in_place = {
        r[0]: r[1]
        for r in rows(table_after(document, "Theme 1: Collecting and Sharing Information"))
    }
    evidence_prompt = (
        "[Editor: add the evidence that 1.1.c is met, or change its status (the return gave none).]"
    )
    assert in_place["1.1.c"] == evidence_prompt
    assert evidence_prompt in prompts
    assert_highlighted(document)
    objective_2 = [p.text for p in document.paragraphs if p.text.startswith("Commentary:")][1]
    assert objective_2 == (
        "Commentary: [Editor: add a sentence on the progress made with this objective.]"
    )
    # The outcome lists every prompt left, in reading order, for the run summary.
    assert outcome.prompts == (
        "Date of publication",
        "Contact details",
        "Welsh-language version",
        "Objective 2: commentary",
        "Evidence for 1.1.c",
        "Commentary on theme 3",
        "Commentary on theme 7",
    )
    assert len(prompts) == len(outcome.prompts)  # each shown once, the date's on the title page
    assert prompts[0] == "[Editor: the date this report is published (this draft: 1 May 2026)]"
    from pipeline import display

    assert display.prompts_line(outcome.prompts) == (
        "7 editor prompts left: Date of publication; Contact details; Welsh-language version; "
        "Objective 2: commentary; Evidence for 1.1.c; Commentary on themes 3, 7"
    )


def test_prompts_in_a_template_made_before_the_prompt_style_are_still_highlighted(
    tmp_path, members_frame
):
    old = docx.Document(str(report.DEFAULT_TEMPLATE))
    style = old.styles["Editor Prompt"]
    style.element.getparent().remove(style.element)
    path = tmp_path / "old-template.docx"
    old.save(str(path))
    document = reopen(build(without_commentary({2}), members_frame, template=path))
    assert_highlighted(document)
    assert any("commentary on this theme" in p for p in prompt_runs(document))


def test_statements_contact_and_other_formats(members_frame):
    with_email = content_of(make_return(contact_email="equality@example.gov.uk"), members_frame)
    document = reopen(build(make_return(contact_email="equality@example.gov.uk"), members_frame))
    contact = paragraph_after(document, "Contact us and other formats")
    assert "in another format, such as large print, easy read, braille, audio" in contact
    assert BODY in contact
    lines = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert "Email: equality@example.gov.uk" in lines
    assert "Equality lead: the Head of Policy" in lines
    assert "Contact details" not in with_email.prompts
    # North Wales: the Welsh Language Standards ask for a Welsh version; the editor says where.
    assert "Welsh-language version" in with_email.prompts
    assert with_email.prompts[0] == "Date of publication"

    without = content_of(make_return(contact_email="not an address"), members_frame)
    assert "Contact details" in without.prompts
    english = content_of(make_return("kent", contact_email="a@kent.example"), members_frame)
    assert "Welsh-language version" not in english.prompts
    headings_found = [b.text for b in english.blocks if isinstance(b, report_model().Heading)]
    intro = headings_found[: headings_found.index("At a glance")]
    assert intro[-2:] == ["About this report", "Contact us and other formats"]


def report_model():
    from pipeline.report import model

    return model


def appendix_headings(document) -> list[tuple[int, str]]:
    found = headings(document)
    return found[found.index((1, "Appendix")) :] if (1, "Appendix") in found else []


def test_summary_appendix_counts_statuses_and_lists_every_not_applicable_claim(main_doc):
    assert appendix_headings(main_doc) == [
        (1, "Appendix"),
        (2, "How levels are calculated"),
        (2, "Criteria by status"),
        (2, "Not applicable claims"),
    ]
    counts = rows(table_after(main_doc, "Criteria by status"))
    assert counts[0] == [
        "Theme",
        "Met",
        "Partially met",
        "Not met",
        "Not applicable",
        "Not assessed",
        "Satisfied",
    ]
    fw = framework.load()
    statuses = make_return().responses.set_index("criterion_id")["status"]
    for theme, row in zip(fw.themes, counts[1:], strict=False):
        ids = [c.id for c in theme.criteria]
        found = statuses.loc[ids]
        assert row[0] == f"{theme.number}. {theme.title}"
        assert row[1:5] == [str(int((found == s).sum())) for s in vocabulary.STATUSES]
        assert row[5] == "0"
    by_theme = {r[0].split(".")[0]: r for r in counts[1:]}
    achieving = len(fw.theme(2).level("Achieving").criteria)
    assert by_theme["2"][6] == f"{len(fw.theme(2).criteria) - 1} of {len(fw.theme(2).criteria)}"
    assert by_theme["2"][3] == "1" and achieving > 1
    # theme 5's claim has no reason: Not applicable, but not satisfied
    assert by_theme["5"][4] == "1"
    assert counts[-1][0] == "All themes" and counts[-1][6].endswith(" of 218")
    assert sum(int(r[1]) for r in counts[1:-1]) == int(counts[-1][1])
    # No criterion reprinted with its evidence: that is --appendix full.
    assert "Every criterion" not in [text for _, text in headings(main_doc)]


def test_full_appendix_is_every_criterion_with_status_and_evidence(members_frame):
    document = build(make_return(), members_frame, appendix="full")
    fw = framework.load()
    found = appendix_headings(document)
    assert found[:3] == [(1, "Appendix"), (2, "How levels are calculated"), (2, "Every criterion")]
    assert found[3:-1] == [(3, f"Theme {t.number}: {t.title}") for t in fw.themes]
    assert found[-1] == (2, "Not applicable claims")
    text = body_text(document)
    for name in ("Developing", "Achieving", "Advancing"):
        assert f"{name}: {fw.level_definitions[name]}" in text
    theme_2 = rows(
        table_after(document, "Theme 2: Analysing and Using Data and Information", 0, -1)
    )
    assert theme_2[0] == ["ID", "Criterion", "Status", "Evidence"]
    assert len(theme_2) == len(fw.theme(2).criteria) + 1
    by_id = {r[0]: r for r in theme_2[1:]}
    first = fw.theme(2).criteria[0]
    assert by_id[first.id][1] == f"{first.level}\n{first.text}"
    assert by_id["2.2.a"][2:] == ["Not met", "Board minutes for 2.2.a"]


def test_no_appendix(members_frame):
    document = build(make_return(), members_frame, appendix="none")
    assert appendix_headings(document) == []
    assert headings(document)[-1][1] != "Not applicable claims"
    chapter = [
        paragraph_after(document, "Theme 5: Participation in Democracy", n) for n in range(4)
    ]
    claim = next(t for t in chapter if t.startswith("Not applicable claims in this theme"))
    assert claim.endswith("the reasons are listed under 'What is in place'.")
    with pytest.raises(report.ReportError, match="appendix must be one of full, summary, none"):
        content_of(make_return(), members_frame, appendix="short")


def test_evidence_and_next_step_rows_never_split_across_pages(main_doc):
    kept = 0
    for table in main_doc.tables:
        caption = table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val"))
        if caption.endswith(("criteria satisfied", "every criterion")) or ": to reach" in caption:
            for row in table.rows:
                assert row._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None, caption
                kept += 1
    assert kept > 150


def test_a_row_too_long_for_a_page_may_split(members_frame):
    ret = make_return()
    ret.responses.loc[ret.responses["criterion_id"] == "1.1.b", "evidence"] = "Long. " * 1500
    document = build(ret, members_frame)
    table = table_after(document, "Theme 1: Collecting and Sharing Information")
    by_id = {row.cells[0].text: row for row in table.rows}
    assert by_id["1.1.b"]._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is None
    assert by_id["1.1.a"]._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None


def test_page_count_of_a_file_that_is_no_pdf_is_a_report_error(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"not a pdf")
    with pytest.raises(report.ReportError, match=r"broken\.pdf"):
        report.page_count(path)


@pytest.mark.libreoffice
@needs_libreoffice
def test_a_typical_demo_report_is_20_to_35_pages(pdfs):
    """The median demo return by criteria filled in, with the default appendix, as a PDF."""
    from rich.console import Console

    from pipeline import display

    typical, outcome, pdf = pdfs["typical"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    assert 20 <= pages <= 35, f"{typical.opcc_code}: {pages} pages"
    assert report.page_count(pdf) == pages
    # The run summary shows the pages of a report with a PDF beside it, and its prompts.
    buffer = io.StringIO()
    display.print_reports(Console(file=buffer, width=200), [outcome])
    line = next(t for t in buffer.getvalue().splitlines() if typical.opcc_code in t)
    assert f" {pages} " in line and "Date of publication" in line


def test_the_command_line_offers_the_report_packages_appendix_choices():
    from pipeline import cli

    assert cli.APPENDIX_CHOICES == report.APPENDIX_CHOICES
    assert report.DEFAULT_APPENDIX == "summary"
