"""Returns collected from saved messages into an input folder, each with where it came from.

Every workbook attached to a message (or to a message forwarded or attached inside it) is saved
under a name made from the member it claims and the message's date, never from the attachment's
own name, and gets a row in `collected.json`: sender, date, subject, message id, original name and
sha256. The same bytes are stored once; everything that is not saved is listed with a reason.
The record is JSON, not CSV, so that the batch (which reports stray .csv files) never takes it for
a return. Attachments are only read as bytes and zip metadata, and identified through `ingest`'s
safe reader.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import json
import os
import stat
import tempfile
import zipfile
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path

import olefile

from pipeline import ingest, outputs
from pipeline.mail import messages
from pipeline.mail.messages import OLE_MAGIC, Attachment, Message, MessageError

RECORD_NAME = "collected.json"
RECORD_VERSION = 1
SAVED, DUPLICATE, SKIPPED = "saved", "duplicate", "skipped"
UNIDENTIFIED = "unidentified"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroenabled.12",
)
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


class Reason(enum.Enum):
    """Why something was not saved, by stable code: (title, how to put it right)."""

    M001 = ("the message has no attachment", "Ask the member to attach their workbook.")
    M002 = (
        "the message has no workbook: {what}",
        "Ask the member to send the self-assessment workbook itself (.xlsx), not a PDF, an old "
        ".xls, an .ods or a zip.",
    )
    M003 = ("the message cannot be read: {what}", "Save the message again from the mail client.")
    M004 = (
        "the attachment '{name}' would unpack to {size} MB, more than the {limit} MB limit",
        "Ask the member to send the workbook again; a real return is a few MB.",
    )
    M005 = ("the file is not a saved message: {what}", "Save messages as .eml, .msg or .mbox.")

    def text(self, **values: object) -> str:
        return f"{self.name}: {self.value[0].format(**values)}. {self.value[1]}"


class CollectError(OSError):
    """The collection could not complete (for example, its record cannot be read)."""


@dataclass
class Row:
    """One line of collected.json: a workbook saved or found twice, or something not saved."""

    status: str
    file: str = ""
    sha256: str = ""
    opcc_code: str = ""
    identified_by: str = ""
    reporting_year: str = ""
    sender: str = ""
    sender_name: str = ""
    date: str = ""
    subject: str = ""
    message_id: str = ""
    attachment: str = ""
    within: str = ""
    source: str = ""
    reason: str = ""
    notes: str = ""

    def key(self) -> tuple[str, ...]:
        """What makes a row the same on a second collection from the same messages."""
        origin = self.message_id or self.source
        if self.status == SKIPPED:
            return (origin, self.attachment, self.reason.split(":")[0])
        return (origin, self.attachment, self.sha256)


@dataclass
class Collected:
    """What one collection did: the new rows, and the folder's whole record after it."""

    into: Path
    new: list[Row] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    record: Path | None = None

    def of(self, status: str) -> list[Row]:
        return [row for row in self.new if row.status == status]


@dataclass
class Identity:
    code: str = ""
    by: str = ""
    year: str = ""


def collect(
    sources: list[Path],
    into: Path,
    *,
    member_codes: Collection[str],
    max_bytes: int = ingest.DEFAULT_MAX_UNZIPPED_BYTES,
) -> Collected:
    """Save every workbook attached to the messages in `sources` into `into`, and record them."""
    into = Path(into)
    previous = load_record(into)
    seen = {row.key() for row in previous}
    into.mkdir(parents=True, exist_ok=True)
    stored = _stored_hashes(into)
    taken = {path.name.lower() for path in into.iterdir()}
    result = Collected(into, rows=list(previous))
    found = _read_sources(sources, max_bytes)
    with tempfile.TemporaryDirectory(prefix="equality-collect-") as scratch:
        for row, data, suffix in _rows(found, member_codes, max_bytes, Path(scratch)):
            if row.key() in seen:
                continue
            seen.add(row.key())
            if data is not None:
                if row.sha256 in stored:
                    row.status, row.file = DUPLICATE, stored[row.sha256]
                else:
                    row.file = _free_name(row, suffix, taken)
                    taken.add(row.file.lower())
                    outputs.write_bytes_atomically(outputs.inside(into, row.file), data)
                    stored[row.sha256] = row.file
            result.new.append(row)
            result.rows.append(row)
    result.rows.sort(key=_order)
    result.record = write_record(into, result.rows)
    return result


def load_record(folder: Path) -> list[Row]:
    """The rows of a folder's collected.json; none when there is no record yet."""
    path = Path(folder) / RECORD_NAME
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = set(Row.__dataclass_fields__)
        return [Row(**{k: str(v) for k, v in item.items() if k in names}) for item in data["rows"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CollectError(
            f"{path}: the record of collected returns cannot be read ({exc}). Restore it from a "
            "backup, or move it aside to start a new record (files already saved are kept)."
        ) from exc


def write_record(folder: Path, rows: list[Row]) -> Path:
    record = {"version": RECORD_VERSION, "rows": [asdict(row) for row in sorted(rows, key=_order)]}
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    return outputs.write_bytes_atomically(Path(folder) / RECORD_NAME, text.encode("utf-8"))


def provenance(path: Path, digest: str | None = None) -> dict[str, str] | None:
    """Where a return in an input folder came from, when `collect` saved it and it is unchanged.

    `digest` is the file's sha256 when the batch has it already; otherwise a regular file is
    hashed (never a pipe or a device, which could block the run)."""
    path = Path(path)
    try:
        rows = load_record(path.parent)
        if not rows:
            return None
        if digest is None:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return None
            digest = outputs.sha256_file(path)
    except OSError:  # no readable record (CollectError is one), or the file is gone
        return None
    for row in rows:
        if row.status == SAVED and row.file == path.name and row.sha256 == digest:
            keep = ("sender", "sender_name", "date", "subject", "message_id", "attachment")
            return {key: getattr(row, key) for key in (*keep, "within", "source", "identified_by")}
    return None


def summary(result: Collected) -> list[str]:
    """What a person needs to know after a collection, one line each."""
    lines = []
    for row in result.of(SAVED):
        who = row.opcc_code or "an UNIDENTIFIED member (check it by hand)"
        lines.append(f"saved {row.file}: {who}, from {row.sender or 'unknown'} ({row.attachment})")
    for row in result.of(DUPLICATE):
        lines.append(f"already saved as {row.file}: {row.attachment} from {row.sender}")
    for row in result.of(SKIPPED):
        what = row.source if not row.subject else f"{row.source} '{row.subject}'"
        lines.append(f"not saved: {what}: {row.reason}")
    saved, dupes, skipped = (len(result.of(s)) for s in (SAVED, DUPLICATE, SKIPPED))
    lines.append(
        f"{saved} workbook(s) saved, {dupes} already there, {skipped} message(s) or file(s) not "
        f"saved; the record is {result.record}"
    )
    return lines


# --- reading the sources ------------------------------------------------------------------------


def _read_sources(sources: list[Path], max_bytes: int) -> list[Message | Row]:
    found: list[Message | Row] = []
    for path in messages.message_files(sources):
        try:
            found.extend(messages.read_file(path, max_bytes=max_bytes))
        except MessageError as exc:
            found.append(Row(SKIPPED, source=path.name, reason=Reason.M005.text(what=exc)))
    return found


def _rows(found, member_codes, max_bytes: int, scratch: Path):
    """(row, bytes to save or None, suffix) for everything found, in message-date order."""
    entries = []
    for item in found:
        if isinstance(item, Row):
            entries.append((item, None, ""))
            continue
        entries.extend(_message_rows(item, member_codes, max_bytes, scratch))
    return sorted(entries, key=lambda entry: _order(entry[0]))


def _message_rows(message: Message, member_codes, max_bytes: int, scratch: Path):
    base = _base(message)
    rows = []
    others: list[str] = []
    problems = []
    for inner, within in message.walk():
        if inner.problem:
            problems.append(inner.problem)
        for number, attachment in enumerate(inner.attachments):
            kind, detail = classify(attachment, max_bytes)
            if kind == "other":
                others.append(f"'{attachment.name or 'unnamed'}' ({detail})")
                continue
            if kind == "too large":
                row = Row(SKIPPED, attachment=attachment.name, reason=detail, **base)
                rows.append((row, None, ""))
                continue
            identity = identify(attachment, inner.sender or message.sender, member_codes, scratch)
            row = Row(
                SAVED,
                sha256=hashlib.sha256(attachment.data).hexdigest(),
                opcc_code=identity.code,
                identified_by=identity.by,
                reporting_year=identity.year,
                attachment=attachment.name or f"attachment {number + 1}",
                within=" > ".join(within),
                notes="; ".join(inner.notes),
                **base,
            )
            rows.append((row, attachment.data, detail))
    if not rows:
        if problems:
            reason = Reason.M003.text(what="; ".join(dict.fromkeys(problems)))
        elif others:
            reason = Reason.M002.text(what=", ".join(others))
        else:
            reason = Reason.M001.text()
        row = Row(SKIPPED, reason=reason, notes="; ".join(message.notes), **base)
        rows.append((row, None, ""))
    return rows


def _base(message: Message) -> dict[str, str]:
    date = message.date.astimezone(dt.UTC).isoformat() if message.date else ""
    return {
        "sender": message.sender,
        "sender_name": message.sender_name,
        "date": date,
        "subject": message.subject,
        "message_id": message.message_id,
        "source": message.source,
    }


def _order(row: Row) -> tuple:
    return (row.date or "9999", row.message_id, row.source, row.attachment, row.sha256)


# --- what an attachment is ---------------------------------------------------------------------


def classify(attachment: Attachment, max_bytes: int) -> tuple[str, str]:
    """("workbook", suffix to save it with), ("too large", reason) or ("other", what it is).

    An attachment is a workbook when its bytes are an Excel package, or when it is named or typed
    as one (a damaged or mislabelled return is saved so that the batch reports it to the member).
    """
    data, name = attachment.data, attachment.name.lower()
    claims = name.endswith(WORKBOOK_SUFFIXES) or attachment.content_type in _WORKBOOK_TYPES
    suffix = ".xlsm" if name.endswith(".xlsm") else ".xlsx"
    if data.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            return ("workbook", suffix) if claims else ("other", "a damaged zip file")
        parts = {info.filename.lower() for info in infos}
        total = sum(info.file_size for info in infos)
        if total > max_bytes:
            size, limit = f"{total / 1024 / 1024:,.0f}", f"{max_bytes / 1024 / 1024:,.0f}"
            return "too large", Reason.M004.text(name=attachment.name, size=size, limit=limit)
        if "mimetype" not in parts and any(part.startswith("xl/") for part in parts):
            return "workbook", ".xlsm" if "xl/vbaproject.bin" in parts else suffix
        if claims:
            return "workbook", suffix
        if "mimetype" in parts:
            return "other", "an OpenDocument file such as .ods"
        if any(part.startswith("word/") for part in parts):
            return "other", "a Word document"
        return "other", "a zip archive"
    if claims:
        return "workbook", suffix
    return "other", _what(data, attachment)


def _what(data: bytes, attachment: Attachment) -> str:
    if not data:
        return "empty"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith(OLE_MAGIC):
        if attachment.name.lower().endswith(".xls") or _ole_has(data, "Workbook"):
            return "a legacy Excel 97-2003 workbook (.xls)"
        return "an older Office document"
    if attachment.content_type.startswith("image/"):
        return "a picture"
    suffix = Path(attachment.name).suffix.lower()
    return f"a {suffix} file" if suffix else f"a file of type {attachment.content_type}"


def _ole_has(data: bytes, stream: str) -> bool:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return ole.exists(stream)
    except Exception:  # a damaged OLE file is simply not a legacy workbook
        return False


def identify(
    attachment: Attachment, sender: str, member_codes: Collection[str], scratch: Path
) -> Identity:
    """The member a workbook claims: its own content first (metadata, then Profile), then the
    member codes in the attachment's name, then the sender's email domain."""
    codes = set(member_codes)
    # A neutral name, so that only the content speaks here; the name is weighed separately.
    scratch_file = scratch / "attachment.xlsx"
    scratch_file.write_bytes(attachment.data)
    found, problems = ingest.read_return(scratch_file, member_codes=None)
    scratch_file.unlink()
    if found is not None and found.opcc_code in codes:
        return Identity(found.opcc_code, "workbook", found.reporting_year)
    claimed = next((p.opcc_code for p in problems if p.opcc_code in codes), "")
    if claimed:
        return Identity(claimed, "workbook")
    in_name = ingest.codes_in_name(attachment.name, codes)
    if len(in_name) == 1:
        return Identity(in_name[0], "attachment name")
    domain = sender.rpartition("@")[2].replace(".", " ")
    in_domain = ingest.codes_in_name(domain, codes) if domain else []
    if len(in_domain) == 1:
        return Identity(in_domain[0], "sender's address")
    return Identity()


def _free_name(row: Row, suffix: str, taken: set[str]) -> str:
    """<code>-<yyyymmdd-hhmm>[-n].xlsx: the member and the message's time (UTC), never the
    attachment's own name."""
    code = outputs.safe_name(row.opcc_code, UNIDENTIFIED) if row.opcc_code else UNIDENTIFIED
    when = "undated"
    if row.date:
        when = dt.datetime.fromisoformat(row.date).strftime("%Y%m%d-%H%M")
    stem = f"{code}-{when}"
    name, number = f"{stem}{suffix}", 2
    while name.lower() in taken:
        name, number = f"{stem}-{number}{suffix}", number + 1
    return name


def _stored_hashes(folder: Path) -> dict[str, str]:
    """sha256 -> file name of every workbook already in the folder (saved by us or by hand)."""
    stored = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES:
            stored.setdefault(outputs.sha256_file(path), path.name)
    return stored
