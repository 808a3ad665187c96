"""Evidence suggestions: documents into passages, the ranker on the labelled West Midlands policy,
the suggestions workbook and the pre-filled copy of an OPCC's workbook."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import convert, needs_libreoffice
from PIL import Image

from pipeline import fill, ingest, layout, suggest, suggestions
from pipeline.cli import main
from pipeline.documents import DocumentError, Passage, read_document

DATA = Path(__file__).parent / "data"
POLICY = DATA / "west-midlands-equality-policy.txt"
LABELS = DATA / "suggest-labels.csv"


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(LABELS, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def policy_suggestions(fw) -> pd.DataFrame:
    return suggest.suggest(read_document(POLICY).passages, fw)


def policy_docx(path: Path) -> Path:
    """The seed policy as a Word document: one paragraph per line, clause numbers as typed."""
    document = docx.Document()
    for line in POLICY.read_text(encoding="utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    document.save(path)
    return path


# --- documents into passages --------------------------------------------------------------------


def test_the_policy_splits_into_its_clauses_with_headings():
    document = read_document(POLICY)
    references = [p.reference for p in document.passages]
    assert references == ["paragraph 1"] + [f"clause {n}" for n in range(1, 16)]
    clause_12 = document.passages[references.index("clause 12")]
    assert clause_12.text.startswith("The PCC will not tolerate any form of unfair treatment")
    assert clause_12.heading == "Equality Commitments"
    assert document.passages[0].heading == "Equality Policy"


def test_a_word_document_reads_like_the_text(tmp_path):
    from_docx = read_document(policy_docx(tmp_path / "policy.docx"))
    from_txt = read_document(POLICY)
    assert [(p.reference, p.text) for p in from_docx.passages] == [
        (p.reference, p.text) for p in from_txt.passages
    ]
    assert from_docx.passages[0].document == "policy.docx"


@needs_libreoffice
def test_a_pdf_keeps_page_and_clause(tmp_path):
    (pdf,) = convert([policy_docx(tmp_path / "policy.docx")], "pdf", tmp_path / "pdf")
    document = read_document(pdf)
    by_reference = {p.reference: p.text for p in document.passages}
    # LibreOffice breaks the page after clause 6; lines wrapped at the page width are rejoined
    assert by_reference["page 1, clause 3"] == (
        "This Equality Policy applies to all of the work and functions of the PCC."
    )
    clause_14 = by_reference["page 2, clause 14"]
    assert clause_14.startswith("The Commissioner will hold the Chief Constable to account")
    assert clause_14.endswith("work or live in the West Midlands.")
    assert by_reference["page 1, paragraph 1"].endswith(
        "religion or belief; sex; or sexual orientation."
    )
    references = [p.reference.split(", ")[1] for p in document.passages]
    assert references == [p.reference for p in read_document(POLICY).passages]


def test_a_scanned_pdf_says_it_has_no_text(tmp_path):
    scan = tmp_path / "scanned-policy.pdf"
    Image.new("RGB", (600, 800), "white").save(scan)
    with pytest.raises(DocumentError, match=r"scanned-policy\.pdf: the PDF has no text layer"):
        read_document(scan)


def test_unreadable_and_unknown_documents_say_how_to_fix(tmp_path):
    old = tmp_path / "policy.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0 not a docx")
    with pytest.raises(DocumentError, match=r"policy.doc: cannot read .doc files. Save it as Word"):
        read_document(old)
    broken = tmp_path / "policy.docx"
    broken.write_text("not a zip")
    with pytest.raises(DocumentError, match=r"policy\.docx: not a readable Word document"):
        read_document(broken)


def test_a_hard_wrapped_text_file_is_rejoined(tmp_path):
    wrapped = tmp_path / "wrapped.txt"
    wrapped.write_text(
        "Equality Objectives\n\n"
        "1. The OPCC will publish its equality objectives every four years and report on\n"
        "progress against them in an annual equality report that is published on the\n"
        "website for everyone to read.\n"
        "2. The OPCC will monitor the diversity of its workforce and of applicants for\n"
        "posts, and act where any group is under-represented in the organisation today.\n"
    )
    passages = read_document(wrapped).passages
    assert [p.reference for p in passages] == ["clause 1", "clause 2"]
    assert passages[0].text.endswith("published on the website for everyone to read.")
    assert passages[1].heading == "Equality Objectives"


# --- the ranker on the labelled set -------------------------------------------------------------


def test_labels_name_real_passages_and_criteria(fw, labels):
    references = {p.reference for p in read_document(POLICY).passages}
    ids = set(fw.frame["criterion_id"])
    evidence = labels[labels["label"] == "evidence"]
    assert len(evidence) >= 25 and (labels["label"] == "none").sum() >= 10
    assert set(evidence["reference"]) <= references
    assert set(labels["criterion_id"]) <= ids


def test_recall_at_3_and_false_confident_share(policy_suggestions, labels):
    figures = suggest.evaluate(policy_suggestions, labels)
    assert figures["recall_at_3"] >= 0.7
    assert figures["false_confident"] <= suggest.MAX_FALSE_CONFIDENT


def test_the_confidence_cutoff_is_the_documented_rule(policy_suggestions, labels):
    assert suggest.choose_cutoff(policy_suggestions, labels) == pytest.approx(suggest.CONFIDENT)


def test_synonyms_and_context_each_earn_their_place(fw, labels):
    passages = read_document(POLICY).passages
    recall = {
        config.name: suggest.evaluate(suggest.suggest(passages, fw, config), labels)["recall_at_3"]
        for config in suggest.CONFIGS
    }
    chosen = recall[suggest.DEFAULT.name]
    assert chosen >= max(recall.values())
    assert chosen > recall["BM25, criterion + theme + level descriptor, no synonyms"]
    assert chosen > recall["BM25 + synonyms, criterion text only"]


def test_every_criterion_gets_up_to_three_ranked_passages(fw, policy_suggestions):
    counts = policy_suggestions.groupby("criterion_id")["rank"].apply(list)
    assert len(counts) == len(fw.criteria)
    assert all(ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= 3 for ranks in counts)
    assert (policy_suggestions["score"] > 0).all()
    scores = policy_suggestions.groupby("criterion_id")["score"].apply(list)
    assert all(s == sorted(s, reverse=True) for s in scores)


def test_a_passage_sharing_no_word_is_never_suggested(fw):
    passages = [
        Passage("a.txt", "paragraph 1", "Harassment of any kind is not tolerated by this office."),
        Passage("a.txt", "paragraph 2", "Zebras graze quietly."),
    ]
    found = suggest.suggest(passages, fw)
    assert "paragraph 2" not in set(found["reference"])
    harassment = found[found["criterion_id"] == "16.1.e"]
    assert list(harassment["reference"]) == ["paragraph 1"]


def test_a_criterion_the_policy_never_mentions_is_not_confident(policy_suggestions):
    youth_justice = policy_suggestions[policy_suggestions["criterion_id"] == "1.1.c"]
    assert not youth_justice["confident"].any()
    assert youth_justice["confidence"].max() < suggest.CONFIDENT


# --- outputs ------------------------------------------------------------------------------------


def hostile_policy(path: Path) -> Path:
    path.write_text(
        POLICY.read_text(encoding="utf-8")
        + '\n16. =HYPERLINK("http://evil.example","Any contract with the PCC must honour '
        'these equality commitments in full")\n'
        "17. <b>Any organisation funded by the PCC</b> abides by the contract commitments.\n",
        encoding="utf-8",
    )
    return path


def test_suggestions_workbook_holds_plain_text(fw, tmp_path):
    read = suggestions.read_documents([hostile_policy(tmp_path / "policy.txt")])
    found = suggest.suggest(read.passages, fw)
    path = suggestions.write_suggestions(
        found, fw, read, tmp_path / "out.xlsx", opcc="west-midlands", generated=dt_date()
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "Suggestions", "All candidates"]
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert not [c for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(t.startswith("=HYPERLINK(") for t in texts)  # kept as the text it is
    assert any(t.startswith("<b>Any organisation") for t in texts)
    confident = book["Suggestions"]
    assert confident.max_row - 1 == int(found["confident"].sum())
    assert {confident.cell(r, 6).value for r in range(2, confident.max_row + 1)} == {"Yes"}


def dt_date():
    import datetime as dt

    return dt.date(2025, 5, 1)


def test_prefill_writes_only_blank_evidence_and_never_a_status(
    fw, tmp_path, make_workbook, policy_suggestions
):
    confident = suggest.confident(policy_suggestions)
    ids = list(dict.fromkeys(confident["criterion_id"]))
    own, untouched = ids[0], ids[1]
    returned = fill.fill_workbook(
        make_workbook(),
        tmp_path / "returned.xlsx",
        statuses={own: "Met", "1.1.c": "Not met", untouched: "Partially met"},
        answers={own: {"evidence": "Our own words, typed by the OPCC"}},
    )
    before = returned.read_bytes()
    target = tmp_path / "out" / "prefilled.xlsx"
    result = suggestions.prefill_workbook(
        returned, target, policy_suggestions, opcc="west-midlands"
    )

    assert returned.read_bytes() == before  # the input is only read
    assert result.kept == [own]
    assert set(result.filled) == set(ids) - {own}
    copy, problems = ingest.read_return(target)
    original, _ = ingest.read_return(returned)
    assert copy is not None and not [p for p in problems if p.code.startswith("E")]
    responses = copy.responses.set_index("criterion_id")
    assert responses["status_raw"].equals(
        original.responses.set_index("criterion_id")["status_raw"]
    )
    assert responses.loc[own, "evidence"] == "Our own words, typed by the OPCC"
    pre = responses.loc[untouched, "evidence"]
    first = confident[confident["criterion_id"] == untouched].iloc[0]
    assert pre.startswith(suggestions.MARK)
    assert f"{first['document']}, {first['reference']}: “" in pre
    unsuggested = set(fw.frame["criterion_id"]) - set(ids)
    assert (responses.loc[sorted(unsuggested), "evidence"] == "").all()


def test_prefilled_copy_keeps_protection_and_dropdowns(tmp_path, make_workbook, policy_suggestions):
    blank = make_workbook()
    target = tmp_path / "prefilled.xlsx"
    suggestions.prefill_workbook(blank, target, policy_suggestions, opcc="west-midlands")
    before, after = openpyxl.load_workbook(blank), openpyxl.load_workbook(target)
    for name in layout.SECTION_SHEETS.values():
        assert after[name].protection.sheet == before[name].protection.sheet is True
        assert [v.sqref for v in after[name].data_validations.dataValidation] == [
            v.sqref for v in before[name].data_validations.dataValidation
        ]
        for row_before, row_after in zip(
            before[name].iter_rows(), after[name].iter_rows(), strict=True
        ):
            for a, b in zip(row_before, row_after, strict=True):
                assert a.protection.locked == b.protection.locked


def test_prefill_refuses_another_members_workbook(tmp_path, make_workbook, policy_suggestions):
    with pytest.raises(
        suggestions.SuggestError, match="the workbook is kent's, not west-midlands's"
    ):
        suggestions.prefill_workbook(
            make_workbook(code="kent"),
            tmp_path / "x.xlsx",
            policy_suggestions,
            opcc="west-midlands",
        )


# --- the command --------------------------------------------------------------------------------


def test_command_writes_both_files_and_reports_a_scanned_pdf(tmp_path, make_workbook):
    scan = tmp_path / "annual-report.pdf"
    Image.new("L", (400, 400), 255).save(scan)
    workbook = make_workbook()
    policy = shutil.copy(POLICY, tmp_path / "policy.txt")
    out = tmp_path / "out" / "wm.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "suggest",
            str(policy),
            str(scan),
            "--opcc",
            "west-midlands",
            "--workbook",
            str(workbook),
            "--out",
            str(out),
            "--date",
            "2025-05-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "annual-report.pdf: the PDF has no text layer" in result.output
    assert (
        "criteria have a confident suggestion, from 16 passages in 1 document(s)" in result.output
    )
    assert out.is_file()
    assert (out.parent / f"{workbook.stem}-suggested.xlsx").is_file()


def test_command_with_only_a_scanned_pdf_fails_clearly(tmp_path):
    scan = tmp_path / "scan.pdf"
    Image.new("RGB", (300, 300), "white").save(scan)
    result = CliRunner().invoke(
        main, ["suggest", str(scan), "--opcc", "west-midlands", "--out", str(tmp_path / "s.xlsx")]
    )
    assert result.exit_code == 1
    assert "scan.pdf: the PDF has no text layer" in result.output
    assert "no document had text to read" in result.output
    assert not (tmp_path / "s.xlsx").exists()


def test_command_refuses_an_unknown_member(tmp_path):
    result = CliRunner().invoke(main, ["suggest", str(POLICY), "--opcc", "atlantis"])
    assert result.exit_code == 2
    assert "'atlantis' is not a member code" in result.output
