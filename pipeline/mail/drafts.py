"""Ready-to-send replies as draft .eml files: one per return that needs attention or was accepted.

Drafts are files, never sent: `X-Unsent: 1` makes Outlook open one as a new message to send, and
Thunderbird opens it too (Edit as New Message). They are built from the output folder alone, from
what run.json records of each return (verdict, counts, contact, provenance, outputs). The message
is plain text only, so nothing from a return can become markup, and every header value is one line
checked here, so nothing from a return can add a header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pandas as pd

from pipeline import outputs
from pipeline.mail.messages import one_line
from pipeline.manifest import Manifest

DRAFTS_FOLDER = "drafts"
ACCEPTED_KIND, FEEDBACK_KIND = "accepted", "feedback"
TEAM = "The APCC equality team"
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
#: A display name is kept in an address only when it reads as a person's name.
_PLAIN_NAME = re.compile(r"^[^\W\d_]+(?:[ .'\-]+[^\W\d_]+)*\.?$")
_MESSAGE_ID = re.compile(r"^<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>$")
_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


class DraftsError(OSError):
    """The drafts could not be made (for example, the folder holds no run.json)."""


@dataclass(frozen=True)
class Draft:
    """One draft written: where, to whom (blank when no address is known), and what happened."""

    path: Path
    to: str
    kind: str
    file: str
    status: str
    note: str = ""


def write_drafts(
    out_dir: Path,
    *,
    members: pd.DataFrame,
    deadline: str | None = None,
    sender: str | None = None,
    date: dt.date | None = None,
    force: bool = False,
) -> list[Draft]:
    """OUT_DIR/drafts/<name>.eml for every accepted return and every one that needs attention.

    `out_dir` is a run's output folder (output/<year>); `sender` an optional From address.
    A draft someone has changed is kept, and the new one written beside it (unless `force`).
    """
    out_dir = Path(out_dir)
    run = _load_run(out_dir)
    bodies = dict(zip(members["code"], members["policing_body"], strict=True))
    from_address = _address(sender or "") if sender else None
    if sender and from_address is None:
        raise DraftsError(f"--from {sender!r} is not an email address like equality@apcc.org.uk.")
    date = date or dt.date.fromisoformat(run.get("generated") or dt.date.today().isoformat())
    manifest = Manifest.load(out_dir / DRAFTS_FOLDER)
    drafts = []
    for entry in run.get("returns", []):
        if entry.get("verdict") in ("superseded", "skipped"):
            continue
        built = compose(
            entry,
            year=str(run.get("year", "")),
            body=bodies.get(entry.get("opcc_code") or "", ""),
            deadline=deadline,
            demo=bool(run.get("demo")),
        )
        recipient = _recipient(entry)
        files = [outputs.inside(out_dir, name) for name in _attachments(entry, built.kind)]
        missing = [path.name for path in files if not path.is_file()]
        message = build_message(
            built,
            to=recipient,
            sender=from_address,
            date=date,
            reply_to_id=(entry.get("collected") or {}).get("message_id", ""),
            attachments=[path for path in files if path.is_file()],
        )
        name = draft_name(entry, built.kind)
        outcome = manifest.write(name, lambda tmp, data=message: tmp.write_bytes(data), force=force)
        notes = [] if recipient else ["no address known: add the recipient before sending"]
        if missing:
            notes.append(f"not attached, no longer in the output folder: {', '.join(missing)}")
        if outcome.status == "kept-edited":
            notes.append(outcome.message)
        to = str(recipient or "")
        note = "; ".join(notes)
        drafts.append(Draft(outcome.path, to, built.kind, entry["file"], outcome.status, note))
    manifest.save()
    return drafts


@dataclass(frozen=True)
class Composed:
    kind: str
    subject: str
    text: str


def compose(entry: dict, *, year: str, body: str, deadline: str | None, demo: bool) -> Composed:
    """The subject and plain-English text of the reply to one return."""
    verdict = entry.get("verdict", "")
    errors, warnings = int(entry.get("errors") or 0), int(entry.get("warnings") or 0)
    contact = one_line((entry.get("contact") or {}).get("name"), 100)
    by = f"by {one_line(deadline, 100)}" if deadline else "as soon as you can"
    who = body or "your office"
    file = one_line(entry.get("file"), 200)
    outputs_ = entry.get("outputs") or {}
    lines = [f"Dear {contact or 'colleague'},", ""]
    if demo:
        lines += ["This is a DEMO draft, made from invented returns: do not send it.", ""]
    lines.append(
        f"Thank you for the Equality Framework self-assessment for {year} from {who} "
        f"(the file {file})."
    )
    lines.append("")
    fix = (
        "What to do: open the attached feedback workbook. Its Feedback sheet lists every problem, "
        "where it is and how to fix it, and the cells concerned are highlighted with a comment. "
        f"Correct your return (the attached copy will do) and email it back to us {by}."
    )
    if verdict == "accepted":
        kind = ACCEPTED_KIND
        subject = f"Equality self-assessment {year}: return accepted"
        lines.append("We have checked it and accepted it: there are no problems to put right.")
        if "report" in outputs_:
            lines += [
                "",
                f"Attached is your draft Equality Report for {year}, made from your return. "
                f"Please read it and tell us {by} if anything should change.",
            ]
    elif verdict == "accepted with warnings":
        kind = FEEDBACK_KIND
        subject = f"Equality self-assessment {year}: accepted, {_count(warnings, 'point')} to check"
        lines += [
            f"We have accepted it, and found {_count(warnings, 'problem')} to put right. They do "
            "not stop it being scored, but your Equality Report will be incomplete until they "
            "are fixed.",
            "",
            fix,
        ]
        if "report" in outputs_:
            lines += ["", "Your draft Equality Report is attached too, as it stands now."]
    else:
        kind = FEEDBACK_KIND
        subject = f"Equality self-assessment {year}: action needed, the return could not be used"
        more = f", and {_count(warnings, 'other problem')} to look at" if warnings else ""
        lines += [
            f"We could not use it: it has {_count(errors, 'problem')} that "
            f"{'stops' if errors == 1 else 'stop'} it being scored{more}.",
            "",
            fix,
        ]
    lines += ["", "Thank you,", TEAM, ""]
    if body:
        subject = f"{subject} ({body})"
    if demo:
        subject = f"[DEMO] {subject}"
    return Composed(kind, one_line(subject, 250), "\n".join(lines))


def build_message(
    composed: Composed,
    *,
    to: Address | None,
    sender: Address | None,
    date: dt.date,
    reply_to_id: str,
    attachments: list[Path],
) -> bytes:
    """The draft's bytes: plain text, the files attached, CRLF lines, repeatable byte for byte."""
    message = EmailMessage(policy=policy.SMTP)
    message["X-Unsent"] = "1"
    if sender is not None:
        message["From"] = sender
    if to is not None:
        message["To"] = to
    message["Subject"] = composed.subject
    message["Date"] = format_datetime(dt.datetime.combine(date, dt.time(9, 0), tzinfo=dt.UTC))
    reply_to_id = one_line(reply_to_id, 250)
    if _MESSAGE_ID.match(reply_to_id):
        message["In-Reply-To"] = reply_to_id
        message["References"] = reply_to_id
    message.set_content(composed.text, cte="quoted-printable")
    digest = hashlib.sha256(composed.text.encode("utf-8"))
    for path in attachments:
        data = path.read_bytes()
        digest.update(hashlib.sha256(data).digest())
        maintype, subtype = _TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    if attachments:
        # The library picks a random boundary; a content hash gives the same bytes every run.
        message.set_boundary(f"=_equality_{digest.hexdigest()[:32]}")
    return message.as_bytes()


def draft_name(entry: dict, kind: str) -> str:
    """<code>-accepted.eml, or the feedback workbook's name as .eml (<code>-feedback.eml): names
    come from member codes and our own output names, never from text in a return."""
    feedback = (entry.get("outputs") or {}).get("feedback", "")
    if kind == FEEDBACK_KIND and feedback:
        return f"{outputs.safe_name(Path(feedback).stem, 'return')}.eml"
    stem = entry.get("opcc_code") or Path(str(entry.get("file", ""))).stem
    return f"{outputs.safe_name(stem, 'return')}-{kind}.eml"


def _attachments(entry: dict, kind: str) -> list[str]:
    files = entry.get("outputs") or {}
    wanted = ["report"] if kind == ACCEPTED_KIND else ["feedback", "report"]
    return [files[key] for key in wanted if files.get(key)]


def _recipient(entry: dict) -> Address | None:
    """The contact named in the return, else the address the return was sent from."""
    contact = entry.get("contact") or {}
    collected = entry.get("collected") or {}
    for email, name in (
        (contact.get("email"), contact.get("name")),
        (collected.get("sender"), collected.get("sender_name")),
    ):
        address = _address(email or "", name or "")
        if address is not None:
            return address
    return None


def _address(email: str, name: str = "") -> Address | None:
    email = str(email).strip()
    if not _ADDRESS.match(email):
        return None
    name = one_line(name, 100)
    try:
        return Address(display_name=name if _PLAIN_NAME.match(name) else "", addr_spec=email)
    except (ValueError, IndexError):  # the header registry rejects some odd local parts
        return None


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _load_run(out_dir: Path) -> dict:
    path = out_dir / "run.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DraftsError(
            f"{out_dir} holds no run.json: run `equality run` first, then make the drafts from "
            "its output folder (output/<year>)."
        ) from exc
    except (OSError, ValueError) as exc:
        raise DraftsError(f"{path} cannot be read ({exc}); run `equality run` again.") from exc
