"""Saved messages (.eml, .mbox, Outlook .msg) in one neutral form: who sent what, and when.

Messages come from outside, so they are only ever parsed: no body is rendered, no attachment is
opened, and parsing never raises for a malformed message (a damaged one becomes a `Message` with a
`problem`). Forwarded messages and attached .eml/.msg files are followed to a fixed depth, so that a
return forwarded by a colleague is still found.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

#: How deep forwarded and attached messages are followed (a message inside a message inside...).
MAX_DEPTH = 5
#: The largest message file read; far above any real return, far below a memory problem.
DEFAULT_MAX_MESSAGE_BYTES = 200 * 1024 * 1024

MESSAGE_SUFFIXES = (".eml", ".msg", ".mbox")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURE_TYPES = ("application/pkcs7-signature", "application/x-pkcs7-signature")
_SMIME_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime")
_OUTLOOK_TYPES = ("application/vnd.ms-outlook",)
# The DER object identifiers of CMS signed-data (1.2.840.113549.1.7.2) and enveloped-data (.3).
_SIGNED_OID = bytes.fromhex("2a864886f70d010702")
_ENVELOPED_OID = bytes.fromhex("2a864886f70d010703")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

ENCRYPTED = (
    "the message is encrypted with S/MIME, so its attachments cannot be read here; ask the "
    "sender to send the workbook again without encryption, or save the attachment from your "
    "mail client into the input folder"
)
OPAQUE_SIGNED = (
    "the message is S/MIME signed in the opaque form (smime.p7m), which wraps the attachments "
    "inside the signature; save the attachment from your mail client into the input folder, or "
    "ask the sender to send it as a clear-signed message"
)
TOO_DEEP = f"messages nested more than {MAX_DEPTH} deep were not read"
SIGNED_NOTE = "S/MIME signed (the signature was not checked)"


class MessageError(ValueError):
    """A message file that cannot be read at all."""


@dataclass
class Attachment:
    """One attached file, as bytes; `name` is the sender's name for it, never trusted as a path."""

    name: str
    content_type: str
    data: bytes


@dataclass
class Message:
    """One message and what it carries; `within` names the outer messages of a forwarded one."""

    source: str
    sender: str = ""
    sender_name: str = ""
    date: dt.datetime | None = None
    subject: str = ""
    message_id: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    embedded: list[Message] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem: str = ""

    def walk(self, within: tuple[str, ...] = ()) -> Iterator[tuple[Message, tuple[str, ...]]]:
        """This message and every message inside it, each with the chain of messages around it."""
        yield self, within
        for inner in self.embedded:
            yield from inner.walk((*within, describe(self)))


def describe(message: Message) -> str:
    """A one-line name for a message: its subject and sender."""
    subject = message.subject or "(no subject)"
    return f"'{subject}' from {message.sender or 'an unknown sender'}"


def one_line(value: object, limit: int = 300) -> str:
    """Header text as one safe line: control characters (CR, LF...) become spaces."""
    text = _CONTROL.sub(" ", str(value or "")).strip()
    return re.sub(r"\s+", " ", text)[:limit]


def message_files(paths: list[Path]) -> list[Path]:
    """Files as given, and folders searched recursively for .eml, .msg and .mbox files."""
    found: set[Path] = set()
    for path in map(Path, paths):
        if not path.is_dir():
            found.add(path)
            continue
        for item in path.rglob("*"):
            hidden = any(part.startswith((".", "~$")) for part in item.relative_to(path).parts)
            if item.is_file() and not hidden and item.suffix.lower() in MESSAGE_SUFFIXES:
                found.add(item)
    return sorted(found)


def read_file(path: Path, *, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> list[Message]:
    """Every message in a saved file: one for .eml and .msg, each one in an .mbox.

    Raises MessageError when the file cannot be read or is not a message.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise MessageError(
                f"{path.name}: the file is {size / 1024 / 1024:,.0f} MB, more than the "
                f"{max_bytes / 1024 / 1024:,.0f} MB a message may be; export fewer messages."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise MessageError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from exc
    if not data.strip():
        raise MessageError(f"{path.name}: the file is empty.")
    suffix = path.suffix.lower()
    if data.startswith(OLE_MAGIC):
        from pipeline.mail import msg

        return [msg.read_msg(data, path.name)]
    if suffix == ".msg":
        raise MessageError(f"{path.name}: not an Outlook message (it is not an OLE file).")
    if suffix == ".mbox" or data.startswith(b"From "):
        return [
            from_bytes(raw, f"{path.name} message {number}")
            for number, raw in enumerate(split_mbox(data), start=1)
        ]
    return [from_bytes(data, path.name)]


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox file: each starts at a 'From ' line after a blank line (or at
    the top); '>From ' lines are unescaped as mboxrd writers escape them."""
    messages: list[list[bytes]] = []
    previous_blank = True
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From ") and previous_blank:
            messages.append([])
        elif messages:
            messages[-1].append(re.sub(rb"^>(>*From )", rb"\1", line))
        previous_blank = not line.strip()
    return [b"".join(lines) for lines in messages if b"".join(lines).strip()]


def from_bytes(data: bytes, source: str, depth: int = 0) -> Message:
    """A message from its RFC 5322 bytes (what .eml files and mbox entries hold)."""
    try:
        entity = BytesParser(policy=policy.default).parsebytes(data)
    except Exception as exc:  # the parser is lenient; this is for what it still cannot take
        return Message(source=source, problem=f"the message cannot be parsed ({exc})"[:300])
    return from_email(entity, source, depth)


def from_email(entity: EmailMessage, source: str, depth: int = 0) -> Message:
    """A parsed message in the neutral form, its attachments and inner messages gathered."""
    message = Message(source=source)
    message.sender, message.sender_name = _sender(entity)
    message.date = _date(entity)
    message.subject = one_line(_header(entity, "subject"))
    message.message_id = one_line(_header(entity, "message-id"))
    try:
        _gather(entity, message, depth)
    except Exception as exc:  # a structure the parser let through but cannot walk
        message.problem = f"the message's parts cannot be read ({exc})"[:300]
    return message


def headers_only(text: str) -> EmailMessage:
    """Transport headers (as Outlook keeps them in a .msg) parsed like a message's own."""
    return BytesParser(policy=policy.default).parsebytes(
        text.encode("utf-8", "replace"), headersonly=True
    )


def _header(entity: EmailMessage, name: str) -> object:
    try:
        return entity.get(name, "")
    except Exception:  # malformed headers can fail while being parsed on access
        return ""


def _sender(entity: EmailMessage) -> tuple[str, str]:
    for name in ("from", "sender", "reply-to"):
        header = _header(entity, name)
        addresses = getattr(header, "addresses", ())
        for address in addresses:
            if address.addr_spec and "@" in address.addr_spec:
                return one_line(address.addr_spec), one_line(address.display_name)
    return "", ""


def _date(entity: EmailMessage) -> dt.datetime | None:
    header = _header(entity, "date")
    value = getattr(header, "datetime", None)
    if value is None:
        return None
    if value.tzinfo is None:  # RFC 5322 "-0000": the time is UTC, the zone unknown
        value = value.replace(tzinfo=dt.UTC)
    return value


def _gather(entity: EmailMessage, message: Message, depth: int) -> None:
    """Walk the MIME tree: attachments into `message`, inner messages into `embedded`."""
    content_type = entity.get_content_type()
    if depth >= MAX_DEPTH:
        message.notes.append(TOO_DEEP)
        return
    if content_type.startswith("message/") and entity.is_multipart():
        payload = entity.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, EmailMessage):
            message.embedded.append(from_email(inner, message.source, depth + 1))
        return
    if entity.is_multipart():
        if content_type == "multipart/signed" and SIGNED_NOTE not in message.notes:
            message.notes.append(SIGNED_NOTE)
        for part in entity.iter_parts():
            _gather(part, message, depth)
        return
    name = one_line(entity.get_filename() or "", 255)
    if content_type in _SIGNATURE_TYPES:
        return
    if content_type in _SMIME_TYPES or name.lower() == "smime.p7m":
        message.problem = smime_problem(entity.get_payload(decode=True) or b"")
        return
    disposition = entity.get_content_disposition()
    if not name and disposition != "attachment":
        return  # the body, or an inline picture
    data = entity.get_payload(decode=True) or b""
    attachment = Attachment(name, content_type, data)
    inner = attached_message(attachment, message.source, depth)
    if inner is not None:
        message.embedded.append(inner)
    else:
        message.attachments.append(attachment)


def smime_problem(data: bytes) -> str:
    """Why an smime.p7m cannot be read: encrypted (enveloped) or opaque-signed, told apart by the
    content type's object identifier at the start of the DER structure."""
    head = data[:64]
    return ENCRYPTED if _ENVELOPED_OID in head or _SIGNED_OID not in head else OPAQUE_SIGNED


def attached_message(attachment: Attachment, source: str, depth: int) -> Message | None:
    """An attached .eml or .msg file as a message, or None when the attachment is not one."""
    lower = attachment.name.lower()
    if attachment.data.startswith(OLE_MAGIC) and (
        lower.endswith(".msg") or attachment.content_type in _OUTLOOK_TYPES
    ):
        from pipeline.mail import msg

        return msg.read_msg(attachment.data, source, depth + 1)
    if lower.endswith(".eml") or attachment.content_type == "message/rfc822":
        return from_bytes(attachment.data, source, depth + 1)
    return None
