"""`equality collect`: real messages (.eml, .mbox, .msg) in, workbooks and collected.json out."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import zipfile
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from mailbuild import XLSX_TYPE, cfb_bytes, eml, mbox, msg_bytes, msg_tree

from pipeline import fill, workbook
from pipeline.cli import main
from pipeline.mail import collect, messages
from pipeline.members import load_members

CODES = set(load_members()["code"])
WHEN = dt.datetime(2026, 5, 20, 10, 15, tzinfo=dt.UTC)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def profile(code: str, signed: dt.date, **extra) -> dict:
    return {
        "lead_role": "Head of Policy",
        "contact_name": "A. Person",
        "contact_email": f"equality@{code}.example.gov.uk",
        "employees": 30,
        "signoff_role": "Chief Executive",
        "signoff_date": signed,
        "equality_statement": "We are committed to equality.",
        "published_links": f"https://www.{code}.example.gov.uk/equality",
    } | extra


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, bytes]:
    """Workbook bytes: filled returns from the project's own generator, and a stranger's."""
    root = tmp_path_factory.mktemp("books")
    members = load_members().set_index("code", drop=False)
    blank = {
        code: workbook.generate_workbook(
            members.loc[code].to_dict(), "2025-26", root / "blank", generated=dt.date(2025, 4, 1)
        )
        for code in ("kent", "essex")
    }
    made = {}
    for key, code, signed in (
        ("kent", "kent", dt.date(2026, 5, 1)),
        ("essex-draft", "essex", dt.date(2026, 1, 5)),
        ("essex", "essex", dt.date(2026, 5, 2)),
    ):
        path = fill.fill_workbook(
            blank[code],
            root / f"{key}.xlsx",
            statuses={"1.1.a": "Met"},
            profile=profile(code, signed),
        )
        made[key] = path.read_bytes()
    stranger = openpyxl.Workbook()
    stranger.active["A1"] = "Not the APCC workbook"
    buffer = io.BytesIO()
    stranger.save(buffer)
    made["stranger"] = buffer.getvalue()
    return made


def write(folder: Path, name: str, message: EmailMessage | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(message if isinstance(message, bytes) else message.as_bytes())
    return path


def run_collect(sources, into: Path, **options) -> collect.Collected:
    return collect.collect(list(sources), into, member_codes=CODES, **options)


def saved_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != collect.RECORD_NAME)


def record(folder: Path) -> list[dict]:
    return json.loads((folder / collect.RECORD_NAME).read_text(encoding="utf-8"))["rows"]


def test_eml_folder_saved_by_member_and_date_with_provenance(tmp_path, books):
    mail = tmp_path / "mail"
    write(
        mail,
        "kent.eml",
        eml(attachments=[("Our return FINAL (2).xlsx", books["kent"], XLSX_TYPE)]),
    )
    write(
        mail,
        "essex.eml",
        eml(
            sender="Essex OPCC <lead@essex.example.gov.uk>",
            subject="Essex return",
            message_id="<e-1@essex.example.gov.uk>",
            date=dt.datetime(2026, 5, 21, 16, 45, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            attachments=[("essex.xlsx", books["essex"], XLSX_TYPE)],
        ),
    )
    before = {p.name: sha(p.read_bytes()) for p in mail.iterdir()}
    into = tmp_path / "input" / "2025-26"
    result = run_collect([mail], into)

    # Names come from the member and the message date (in UTC), never the attachment's name.
    assert saved_files(into) == ["essex-20260521-1545.xlsx", "kent-20260520-1015.xlsx"]
    assert (into / "kent-20260520-1015.xlsx").read_bytes() == books["kent"]
    rows = {row["file"]: row for row in record(into)}
    kent = rows["kent-20260520-1015.xlsx"]
    assert kent["status"] == "saved"
    assert kent["opcc_code"] == "kent" and kent["identified_by"] == "workbook"
    assert kent["reporting_year"] == "2025-26"
    assert kent["sender"] == "equality@kent.example.gov.uk"
    assert kent["sender_name"] == "Equality Lead"
    assert kent["date"] == "2026-05-20T10:15:00+00:00"
    assert kent["subject"] == "Our equality self-assessment"
    assert kent["message_id"] == "<return-1@kent.example.gov.uk>"
    assert kent["attachment"] == "Our return FINAL (2).xlsx"
    assert kent["source"] == "kent.eml"
    assert kent["sha256"] == sha(books["kent"])
    assert rows["essex-20260521-1545.xlsx"]["sender"] == "lead@essex.example.gov.uk"
    assert len(result.of(collect.SAVED)) == 2
    # The messages are only read.
    assert {p.name: sha(p.read_bytes()) for p in mail.iterdir()} == before


def test_encoded_and_hostile_attachment_names_are_never_used(tmp_path, books):
    mail = tmp_path / "mail"
    hostile = [
        "../../../outside.xlsx",
        "..\\..\\windows\\outside.xlsx",
        "/etc/cron.d/outside.xlsx",
        "CON.xlsx",
        "a" * 300 + ".xlsx",
        "Kent\u202ecod.exe.xlsx",  # right-to-left override
    ]
    for number, name in enumerate(hostile):
        # Each a different file (a cell changed), so that none is a duplicate of another.
        book = openpyxl.load_workbook(io.BytesIO(books["stranger"]))
        book.active["B1"] = number
        buffer = io.BytesIO()
        book.save(buffer)
        write(
            mail,
            f"m{number}.eml",
            eml(
                sender="someone@mail.example.net",
                message_id=f"<h{number}@mail.example.net>",
                attachments=[(name, buffer.getvalue(), XLSX_TYPE)],
            ),
        )
    # An RFC 2047 encoded name, written by hand as some clients still do.
    raw = (
        b"From: lead@dorset.example.gov.uk\r\nSubject: =?utf-8?q?R=C3=A9turn?=\r\n"
        b"Date: Wed, 20 May 2026 11:00:00 +0000\r\nMessage-ID: <enc@dorset.example.gov.uk>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b"--XX\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n--XX\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="=?utf-8?b?'
        + base64.b64encode("../Dorset rétour.xlsx".encode())
        + b'?="\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.encodebytes(books["kent"]).replace(b"\n", b"\r\n")
        + b"--XX--\r\n"
    )
    write(mail, "encoded.eml", raw)
    into = tmp_path / "in"
    run_collect([mail], into)

    names = saved_files(into)
    assert len(names) == len(hostile) + 1
    for name in names:
        # The right-to-left name still spells "Kent": its member code is the only part used.
        assert name.startswith(("unidentified-20260520-1015", "kent-20260520-1"))
        assert (into / name).resolve().parent == into.resolve()
    assert not (tmp_path / "outside.xlsx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "mail"]
    rows = record(into)
    assert {row["attachment"] for row in rows} >= {"../Dorset rétour.xlsx", "CON.xlsx"}
    encoded = next(row for row in rows if row["source"] == "encoded.eml")
    # The workbook's content (Kent's) outweighs the name ("Dorset") and the sender's address.
    assert encoded["opcc_code"] == "kent" and encoded["subject"] == "Réturn"
    # Several files one minute apart from unidentified senders: numbered, never overwritten.
    assert "unidentified-20260520-1015-2.xlsx" in names


def test_same_file_twice_is_stored_once_two_versions_both_kept(tmp_path, books):
    mail = tmp_path / "mail"
    for number, key in enumerate(("kent", "kent", "essex-draft", "essex")):
        write(
            mail,
            f"{number}-{key}.eml",
            eml(
                date=WHEN + dt.timedelta(days=number),
                message_id=f"<{number}@example.gov.uk>",
                attachments=[(f"{key}.xlsx", books[key], XLSX_TYPE)],
            ),
        )
    into = tmp_path / "in"
    result = run_collect([mail], into)
    assert saved_files(into) == [
        "essex-20260522-1015.xlsx",
        "essex-20260523-1015.xlsx",
        "kent-20260520-1015.xlsx",
    ]
    duplicate = result.of(collect.DUPLICATE)
    assert [row.file for row in duplicate] == ["kent-20260520-1015.xlsx"]
    assert duplicate[0].message_id == "<1@example.gov.uk>"


def test_collecting_again_adds_nothing_and_keeps_the_record(tmp_path, books):
    mail = tmp_path / "mail"
    write(mail, "kent.eml", eml(attachments=[("k.xlsx", books["kent"], XLSX_TYPE)]))
    write(mail, "empty.eml", eml(message_id="<none@x.example>"))
    into = tmp_path / "in"
    run_collect([mail], into)
    first = (into / collect.RECORD_NAME).read_bytes()
    again = run_collect([mail], into)
    assert again.new == []
    assert (into / collect.RECORD_NAME).read_bytes() == first
    assert saved_files(into) == ["kent-20260520-1015.xlsx"]
    # A new message adds to the record; the old rows stay.
    write(
        mail,
        "essex.eml",
        eml(message_id="<es@x.example>", attachments=[("e.xlsx", books["essex"], XLSX_TYPE)]),
    )
    more = run_collect([mail], into)
    assert [row.opcc_code for row in more.new] == ["essex"]
    assert len(record(into)) == 3


def test_messages_without_a_workbook_are_listed_with_a_reason(tmp_path, books):
    mail = tmp_path / "mail"
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("return.xlsx", books["kent"])
    legacy = cfb_bytes({"Workbook": b"\x09\x08" + b"\0" * 5000})
    write(mail, "none.eml", eml(message_id="<none@x.example>", body="I'll send it tomorrow."))
    write(
        mail,
        "others.eml",
        eml(
            message_id="<others@x.example>",
            attachments=[
                ("letter.pdf", b"%PDF-1.7\n...", ("application", "pdf")),
                ("return.xls", legacy, ("application", "vnd.ms-excel")),
                ("return.ods", ods.getvalue(), ("application", "octet-stream")),
                ("return.zip", plain_zip.getvalue(), ("application", "zip")),
            ],
        ),
    )
    into = tmp_path / "in"
    result = run_collect([mail], into)
    assert saved_files(into) == []
    skipped = {row.message_id: row.reason for row in result.of(collect.SKIPPED)}
    assert skipped["<none@x.example>"].startswith("M001: the message has no attachment")
    reason = skipped["<others@x.example>"]
    assert reason.startswith("M002: the message has no workbook")
    for expected in (
        "'letter.pdf' (a PDF document)",
        "'return.xls' (a legacy Excel 97-2003 workbook (.xls))",
        "'return.ods' (an OpenDocument file such as .ods)",
        "'return.zip' (a zip archive)",
    ):
        assert expected in reason
    assert "send the self-assessment workbook itself" in reason
    assert any("not saved" in line and "M002" in line for line in collect.summary(result))


def test_an_oversized_workbook_is_not_saved(tmp_path):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"\0" * 5_000_000)
    mail = tmp_path / "mail"
    write(mail, "bomb.eml", eml(attachments=[("kent.xlsx", bomb.getvalue(), XLSX_TYPE)]))
    into = tmp_path / "in"
    result = run_collect([mail], into, max_bytes=1024 * 1024)
    assert saved_files(into) == []
    [row] = result.of(collect.SKIPPED)
    assert row.reason.startswith("M004: the attachment 'kent.xlsx' would unpack to 5 MB")


def test_forwarded_and_attached_messages_are_followed(tmp_path, books):
    original = eml(
        sender="lead@kent.example.gov.uk",
        message_id="<orig@kent.example.gov.uk>",
        attachments=[("kent.xlsx", books["kent"], XLSX_TYPE)],
    )
    forward = eml(sender="pa@kent.example.gov.uk", subject="Fwd: return", message_id="<fwd@k>")
    forward.add_attachment(original)  # message/rfc822, as "forward as attachment" does
    as_file = eml(sender="pa@essex.example.gov.uk", subject="See attached", message_id="<att@e>")
    inner = eml(message_id="<inner@e>", attachments=[("e.xlsx", books["essex"], XLSX_TYPE)])
    as_file.add_attachment(
        inner.as_bytes(), maintype="application", subtype="octet-stream", filename="return.eml"
    )
    mail = tmp_path / "mail"
    write(mail, "fwd.eml", forward)
    write(mail, "att.eml", as_file)
    into = tmp_path / "in"
    result = run_collect([mail], into)
    rows = {row.opcc_code: row for row in result.of(collect.SAVED)}
    assert set(rows) == {"kent", "essex"}
    # Provenance is the message that arrived; `within` says where inside it the file was.
    assert rows["kent"].sender == "pa@kent.example.gov.uk"
    assert rows["kent"].message_id == "<fwd@k>"
    assert rows["kent"].within == "'Fwd: return' from pa@kent.example.gov.uk"
    assert rows["essex"].within == "'See attached' from pa@essex.example.gov.uk"


def test_smime_signed_is_read_and_encrypted_is_reported(tmp_path, books):
    signed = EmailMessage()
    signed["From"] = "lead@kent.example.gov.uk"
    signed["Subject"] = "Signed return"
    signed["Date"] = "Wed, 20 May 2026 10:15:00 +0000"
    signed["Message-ID"] = "<signed@kent.example.gov.uk>"
    content = eml(attachments=[("kent.xlsx", books["kent"], XLSX_TYPE)])
    signed.make_mixed()
    signed.attach(content)
    signed.add_attachment(
        b"0\x82\x01\x00", maintype="application", subtype="pkcs7-signature", filename="smime.p7s"
    )
    signed.replace_header(
        "Content-Type", 'multipart/signed; protocol="application/pkcs7-signature"'
    )
    signed.set_boundary("SIGNED")
    encrypted = EmailMessage()
    encrypted["From"] = "lead@essex.example.gov.uk"
    encrypted["Message-ID"] = "<enc@essex.example.gov.uk>"
    encrypted.set_content(
        b"0\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03\xa0\x80",
        maintype="application",
        subtype="pkcs7-mime",
        filename="smime.p7m",
        params={"smime-type": "enveloped-data"},
    )
    opaque = EmailMessage()
    opaque["From"] = "lead@dorset.example.gov.uk"
    opaque["Message-ID"] = "<opaque@dorset.example.gov.uk>"
    opaque.set_content(
        b"0\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80",
        maintype="application",
        subtype="pkcs7-mime",
        filename="smime.p7m",
    )
    mail = tmp_path / "mail"
    for name, message in (("s.eml", signed), ("e.eml", encrypted), ("o.eml", opaque)):
        write(mail, name, message)
    into = tmp_path / "in"
    result = run_collect([mail], into)
    [saved] = result.of(collect.SAVED)
    assert saved.opcc_code == "kent" and "S/MIME signed" in saved.notes
    skipped = {row.message_id: row.reason for row in result.of(collect.SKIPPED)}
    assert "encrypted with S/MIME" in skipped["<enc@essex.example.gov.uk>"]
    assert "opaque form" in skipped["<opaque@dorset.example.gov.uk>"]


def test_outlook_msg_files(tmp_path, books):
    mail = tmp_path / "mail"
    # Received mail: transport headers give sender, date and message id.
    write(mail, "kent.msg", msg_bytes(attachments=[("Kent.xlsx", books["kent"])]))
    # Saved from Sent Items of an Exchange account: no headers, an X.500 sender and an SMTP one.
    write(
        mail,
        "essex.msg",
        msg_bytes(
            headers=False,
            exchange_sender=True,
            sender="lead@essex.example.gov.uk",
            message_id="<essex-msg@essex.example.gov.uk>",
            date=dt.datetime(2026, 5, 22, 8, 5, tzinfo=dt.UTC),
            attachments=[("return.xlsx", books["essex"])],
        ),
    )
    # A message forwarded as an attached Outlook item, carrying a second Essex file.
    inner = msg_tree(
        embedded=True,
        message_id="<inner@essex.example.gov.uk>",
        attachments=[("draft.xlsx", books["essex-draft"])],
    )
    write(mail, "fwd.msg", msg_bytes(subject="FW: draft", message_id="<fw@x>", messages=[inner]))
    # Outlook keeps a clear-signed message whole, as MIME, in an smime.p7m attachment.
    signed = eml(attachments=[("x.xlsx", books["stranger"], XLSX_TYPE)]).as_bytes()
    write(
        mail,
        "signed.msg",
        msg_bytes(
            sender="lead@dorset.example.gov.uk",
            message_id="<signed@dorset>",
            smime=("smime.p7m", signed),
        ),
    )
    write(mail, "broken.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    into = tmp_path / "in"
    result = run_collect([mail], into)
    rows = {row.source: row for row in result.new}
    kent = rows["kent.msg"]
    assert (kent.status, kent.opcc_code, kent.attachment) == ("saved", "kent", "Kent.xlsx")
    assert kent.sender == "equality@kent.example.gov.uk"
    assert kent.message_id == "<msg-1@kent.example.gov.uk>"
    assert kent.date == "2026-05-21T09:30:00+00:00"
    essex = rows["essex.msg"]
    assert essex.sender == "lead@essex.example.gov.uk"
    assert essex.date == "2026-05-22T08:05:00+00:00"
    assert rows["fwd.msg"].opcc_code == "essex" and rows["fwd.msg"].attachment == "draft.xlsx"
    assert rows["fwd.msg"].within.startswith("'FW: draft'")
    signed_row = rows["signed.msg"]
    assert signed_row.status == "saved" and "S/MIME signed" in signed_row.notes
    assert signed_row.opcc_code == "dorset" and signed_row.identified_by == "sender's address"
    assert rows["broken.msg"].status == "skipped"
    assert rows["broken.msg"].reason.startswith("M003: the message cannot be read")
    assert (into / essex.file).read_bytes() == books["essex"]


def test_mbox_export(tmp_path, books):
    first = eml(
        message_id="<mb1@k>",
        body="From the team: our return.",  # a body line mbox writers escape as '>From '
        attachments=[("kent.xlsx", books["kent"], XLSX_TYPE)],
    )
    second = eml(
        sender="lead@essex.example.gov.uk",
        message_id="<mb2@e>",
        attachments=[("essex.xlsx", books["essex"], XLSX_TYPE)],
    )
    third = eml(message_id="<mb3@x>", body="No attachment, sorry.")
    path = write(tmp_path / "mail", "Inbox.mbox", mbox([first, second, third]))
    assert messages.read_file(path)[0].subject == "Our equality self-assessment"
    into = tmp_path / "in"
    result = run_collect([path], into)
    assert sorted(row.opcc_code for row in result.of(collect.SAVED)) == ["essex", "kent"]
    assert [row.source for row in result.of(collect.SKIPPED)] == ["Inbox.mbox message 3"]
    assert (into / "kent-20260520-1015.xlsx").read_bytes() == books["kent"]


def test_who_a_workbook_claims_falls_back_to_its_name_then_the_sender(tmp_path, books):
    mail = tmp_path / "mail"
    for number, (name, sender) in enumerate(
        (
            ("Dorset OPCC return.xlsx", "someone@mail.example.net"),
            ("return.xlsx", "lead@west-midlands.example.gov.uk"),
            ("return.xlsx", "someone@mail.example.net"),
        )
    ):
        book = openpyxl.load_workbook(io.BytesIO(books["stranger"]))
        book.active["B1"] = number
        buffer = io.BytesIO()
        book.save(buffer)
        write(
            mail,
            f"{number}.eml",
            eml(
                sender=sender,
                message_id=f"<id{number}@x>",
                attachments=[(name, buffer.getvalue(), XLSX_TYPE)],
            ),
        )
    result = run_collect([mail], tmp_path / "in")
    found = [(row.opcc_code, row.identified_by, row.file) for row in result.of(collect.SAVED)]
    assert sorted(found) == [
        ("", "", "unidentified-20260520-1015.xlsx"),
        ("dorset", "attachment name", "dorset-20260520-1015.xlsx"),
        ("west-midlands", "sender's address", "west-midlands-20260520-1015.xlsx"),
    ]
    assert any("UNIDENTIFIED" in line for line in collect.summary(result))


def test_unreadable_message_files_are_listed_and_the_rest_collected(tmp_path, books):
    mail = tmp_path / "mail"
    write(mail, "empty.eml", b"")
    write(mail, "fake.msg", b"this is not an outlook file")
    write(mail, "good.eml", eml(attachments=[("k.xlsx", books["kent"], XLSX_TYPE)]))
    write(mail, "notes.txt", b"ignored: not a message file")
    into = tmp_path / "in"
    result = run_collect([mail], into)
    reasons = {row.source: row.reason for row in result.of(collect.SKIPPED)}
    assert set(reasons) == {"empty.eml", "fake.msg"}
    assert reasons["empty.eml"].startswith("M005: the file is not a saved message")
    assert "not an Outlook message" in reasons["fake.msg"]
    assert saved_files(into) == ["kent-20260520-1015.xlsx"]


def test_a_damaged_record_stops_the_collection_with_a_fix(tmp_path, books):
    into = tmp_path / "in"
    into.mkdir()
    (into / collect.RECORD_NAME).write_text("{not json", encoding="utf-8")
    write(tmp_path / "mail", "k.eml", eml(attachments=[("k.xlsx", books["kent"], XLSX_TYPE)]))
    result = CliRunner().invoke(main, ["collect", str(tmp_path / "mail"), "--into", str(into)])
    assert result.exit_code == 1
    assert "cannot be read" in result.output and "move it aside" in result.output
    assert saved_files(into) == []


def test_collect_command(tmp_path, books):
    mail = tmp_path / "mail"
    write(mail, "k.eml", eml(attachments=[("k.xlsx", books["kent"], XLSX_TYPE)]))
    into = tmp_path / "input" / "2025-26"
    result = CliRunner().invoke(main, ["collect", str(mail), "--into", str(into)])
    assert result.exit_code == 0, result.output
    assert "saved kent-20260520-1015.xlsx: kent" in result.output
    assert "1 workbook(s) saved" in result.output
    help_text = CliRunner().invoke(main, ["collect", "--help"]).output
    assert "Example:" in help_text and "equality collect" in help_text
