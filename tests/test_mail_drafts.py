"""The whole cycle by email: messages collected, the batch run on them, draft replies read back."""

from __future__ import annotations

import datetime as dt
import io
import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from mailbuild import XLSX_TYPE, eml, msg_bytes

from pipeline import fill, layout, workbook
from pipeline.cli import main
from pipeline.framework import load
from pipeline.members import load_members

RUN_DATE = "2026-06-01"
HOSTILE_NAME = "Ann <b>Lead</b>\r\nBcc: thief@attacker.example"


def profile(code: str, **extra) -> dict:
    return {
        "lead_role": "Head of Policy",
        "contact_name": "A. Person",
        "contact_email": f"equality@{code}.example.gov.uk",
        "employees": 42,
        "signoff_role": "Chief Executive",
        "signoff_date": dt.date(2026, 3, 1),
        "equality_statement": "The Commissioner is committed to equality for everyone.",
        "published_links": f"https://www.{code}.example.gov.uk/equality",
    } | extra


OBJECTIVE = {
    "objective": "Increase trust among Black residents",
    "measure": "Survey trust",
    "baseline": "52%",
    "target": "60%",
    "progress": "On track",
}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> dict:
    """Returns mailed in (.eml and .msg), collected, run, and drafts made from the output."""
    root = tmp_path_factory.mktemp("cycle")
    members = load_members().set_index("code", drop=False)
    blank = {
        code: workbook.generate_workbook(
            members.loc[code].to_dict(), "2025-26", root / "blank", generated=dt.date(2025, 4, 1)
        )
        for code in ("kent", "essex", "dorset")
    }
    all_met = {c.id: {"status": "Met", "evidence": f"Evidence {c.id}."} for c in load().criteria}
    kent = fill.fill_workbook(
        blank["kent"],
        root / "kent.xlsx",
        answers=all_met,
        profile=profile("kent", contact_name=HOSTILE_NAME),
        objectives=[OBJECTIVE],
    )
    essex = fill.fill_workbook(
        blank["essex"], root / "essex.xlsx", statuses={"1.1.a": "Met"}, profile=profile("essex")
    )
    book = openpyxl.load_workbook(blank["dorset"])
    for row in book[layout.META_SHEET].iter_rows():
        if row[0].value == "framework_edition":
            row[1].value = "2023-24"
    dorset = io.BytesIO()
    book.save(dorset)

    mail = root / "mail"
    mail.mkdir()
    (mail / "kent.eml").write_bytes(
        eml(
            sender="Kent PA <pa@kent.example.gov.uk>",
            message_id="<kent-1@kent.example.gov.uk>",
            attachments=[("Kent.xlsx", kent.read_bytes(), XLSX_TYPE)],
        ).as_bytes()
    )
    (mail / "essex.msg").write_bytes(
        msg_bytes(
            sender="lead@essex.example.gov.uk",
            message_id="<essex-1@essex.example.gov.uk>",
            attachments=[("essex return.xlsx", essex.read_bytes())],
        )
    )
    # An encoded subject that decodes to a line break and a header of its own.
    (mail / "dorset.eml").write_bytes(
        b"Subject: =?utf-8?q?Dorset=0D=0ABcc:_thief@attacker.example?=\r\n"
        + eml(
            sender="Dorset OPCC <opcc@dorset.example.gov.uk>",
            subject="",
            message_id="<dorset-1@dorset.example.gov.uk>",
            attachments=[("d.xlsx", dorset.getvalue(), XLSX_TYPE)],
        ).as_bytes()
    )
    runner = CliRunner()
    into = root / "input" / "2025-26"
    collected = runner.invoke(main, ["collect", str(mail), "--into", str(into)])
    assert collected.exit_code == 0, collected.output
    out = root / "output"
    ran = runner.invoke(main, ["run", str(root / "input"), "--out", str(out), "--date", RUN_DATE])
    assert ran.exit_code == 0, ran.output
    year_dir = out / "2025-26"
    drafted = runner.invoke(
        main, ["feedback-mail", str(year_dir), "--deadline", "30 June 2026"], catch_exceptions=False
    )
    assert drafted.exit_code == 0, drafted.output
    return {"root": root, "out": year_dir, "output": drafted.output}


def read(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def returns(cycle) -> dict[str, dict]:
    record = json.loads((cycle["out"] / "run.json").read_text(encoding="utf-8"))
    return {e["opcc_code"]: e for e in record["returns"] if e["verdict"] != "skipped"}


def test_run_json_carries_contact_and_provenance(cycle):
    record = json.loads((cycle["out"] / "run.json").read_text(encoding="utf-8"))
    skipped = [e["file"] for e in record["returns"] if e["verdict"] == "skipped"]
    assert [Path(f).name for f in skipped] == ["collected.json"]  # listed, never read as a return
    entries = returns(cycle)
    assert {code: e["verdict"] for code, e in entries.items()} == {
        "kent": "accepted",
        "essex": "accepted with warnings",
        "dorset": "rejected",
    }
    kent = entries["kent"]
    assert kent["contact"]["email"] == "equality@kent.example.gov.uk"
    assert kent["collected"]["sender"] == "pa@kent.example.gov.uk"
    assert kent["collected"]["message_id"] == "<kent-1@kent.example.gov.uk>"
    assert kent["collected"]["attachment"] == "Kent.xlsx"
    assert kent["outputs"] == {"report": "reports/kent-equality-report-2025-26.docx"}
    assert entries["essex"]["collected"]["source"] == "essex.msg"
    assert entries["essex"]["outputs"]["feedback"] == "feedback/essex-feedback.xlsx"
    dorset = entries["dorset"]
    assert dorset["contact"]["email"] == ""  # a rejected return's Profile is not trusted
    assert dorset["collected"]["sender"] == "opcc@dorset.example.gov.uk"


def test_a_draft_for_each_return_that_needs_attention_and_each_accepted(cycle):
    drafts = cycle["out"] / "drafts"
    assert sorted(p.name for p in drafts.glob("*.eml")) == [
        "dorset-feedback.eml",
        "essex-feedback.eml",
        "kent-accepted.eml",
    ]
    for path in drafts.glob("*.eml"):
        message = read(path)
        assert message["X-Unsent"] == "1"
        # Plain text only: nothing from a return can become markup.
        types = [part.get_content_type() for part in message.walk()]
        assert "text/html" not in types
        assert message.get_body(("plain",)) is not None
        assert b"\r\n" in path.read_bytes()


def test_accepted_draft(cycle, tmp_path):
    message = read(cycle["out"] / "drafts" / "kent-accepted.eml")
    [to] = message["To"].addresses
    assert to.addr_spec == "equality@kent.example.gov.uk"
    assert message["Bcc"] is None and message["Cc"] is None
    assert message["Subject"] == (
        "Equality self-assessment 2025-26: return accepted (Kent Police and Crime Commissioner)"
    )
    assert message["In-Reply-To"] == "<kent-1@kent.example.gov.uk>"
    text = message.get_body(("plain",)).get_content()
    assert "accepted it: there are no problems" in text
    assert "by 30 June 2026" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "kent-equality-report-2025-26.docx"
    report = cycle["out"] / "reports" / "kent-equality-report-2025-26.docx"
    assert attachment.get_content() == report.read_bytes()


def test_feedback_drafts(cycle):
    drafts = cycle["out"] / "drafts"
    essex = read(drafts / "essex-feedback.eml")
    assert essex["To"].addresses[0].addr_spec == "equality@essex.example.gov.uk"
    assert essex["In-Reply-To"] == "<essex-1@essex.example.gov.uk>"
    warnings = returns(cycle)["essex"]["warnings"]
    assert f"{warnings} points to check" in essex["Subject"]
    text = essex.get_body(("plain",)).get_content()
    assert f"found {warnings} problems to put right" in text
    assert "Feedback sheet" in text and "by 30 June 2026" in text
    names = [part.get_filename() for part in essex.iter_attachments()]
    assert names == ["essex-feedback.xlsx", "essex-equality-report-2025-26.docx"]
    feedback = next(essex.iter_attachments()).get_content()
    assert feedback == (cycle["out"] / "feedback" / "essex-feedback.xlsx").read_bytes()
    assert openpyxl.load_workbook(io.BytesIO(feedback))["Feedback"].max_row > 1

    dorset = read(drafts / "dorset-feedback.eml")
    # No trusted contact in a rejected return: the reply goes to whoever sent it.
    assert dorset["To"].addresses[0].addr_spec == "opcc@dorset.example.gov.uk"
    assert "action needed" in dorset["Subject"]
    text = dorset.get_body(("plain",)).get_content()
    assert "We could not use it: it has 1 problem that stops" in text
    assert [p.get_filename() for p in dorset.iter_attachments()] == ["dorset-feedback.xlsx"]


def test_no_header_comes_from_text_in_a_return(cycle):
    for path in (cycle["out"] / "drafts").glob("*.eml"):
        raw = path.read_bytes()
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert b"thief@attacker.example" not in head
        names = [line.split(b":")[0] for line in head.split(b"\r\n") if line[:1] not in b" \t"]
        assert sorted(set(names)) == sorted(names)
        assert set(names) <= {
            b"X-Unsent",
            b"To",
            b"Subject",
            b"Date",
            b"In-Reply-To",
            b"References",
            b"MIME-Version",
            b"Content-Type",
            b"Content-Transfer-Encoding",
        }


def test_drafts_are_repeatable_and_edits_are_kept(cycle):
    drafts = cycle["out"] / "drafts"
    before = {p.name: p.read_bytes() for p in drafts.glob("*.eml")}
    again = CliRunner().invoke(
        main, ["feedback-mail", str(cycle["out"]), "--deadline", "30 June 2026"]
    )
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_bytes() for p in drafts.glob("*.eml")} == before
    assert "(unchanged)" in again.output
    edited = drafts / "kent-accepted.eml"
    edited.write_bytes(before["kent-accepted.eml"].replace(b"Dear ", b"Dear dear "))
    third = CliRunner().invoke(main, ["feedback-mail", str(cycle["out"]), "--deadline", "1 July"])
    assert third.exit_code == 0, third.output
    assert b"Dear dear" in edited.read_bytes()
    assert b"by 1 July" in (drafts / "kent-accepted.new.eml").read_bytes()


def test_feedback_mail_needs_a_run_and_a_real_from_address(tmp_path, cycle):
    empty = CliRunner().invoke(main, ["feedback-mail", str(tmp_path)])
    assert empty.exit_code == 1
    assert "holds no run.json: run `equality run` first" in empty.output
    bad = CliRunner().invoke(
        main, ["feedback-mail", str(cycle["out"]), "--from", "apcc\r\nBcc: x@y.example"]
    )
    assert bad.exit_code == 1 and "is not an email address" in bad.output
    good = CliRunner().invoke(
        main,
        ["feedback-mail", str(cycle["out"]), "--from", "equality@apcc.example.org.uk", "--force"],
    )
    assert good.exit_code == 0, good.output
    message = read(cycle["out"] / "drafts" / "kent-accepted.eml")
    assert message["From"].addresses[0].addr_spec == "equality@apcc.example.org.uk"
    help_text = CliRunner().invoke(main, ["feedback-mail", "--help"]).output
    assert "Example:" in help_text and "equality feedback-mail output/2025-26" in help_text
