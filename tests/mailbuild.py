"""Real messages for the mail tests: .eml and .mbox with the standard library, Outlook .msg with a
small compound-file (CFB) writer.

olefile only reads compound files (it cannot create one) and the usual .msg writers are GPL, so
`cfb_bytes` writes the format from its specification (MS-CFB, version 3: 512-byte sectors, a mini
stream for streams under 4096 bytes, sibling trees ordered by name), and `msg_bytes` lays out a
message in it as MS-OXMSG does: `__substg1.0_<id><type>` property streams, a
`__properties_version1.0` stream of fixed-size properties, `__attach_version1.0_#<n>` attachment
storages and, for an attached message, a `__substg1.0_3701000D` storage of the same layout.
"""

from __future__ import annotations

import datetime as dt
import struct
from email.message import EmailMessage
from email.utils import format_datetime

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# --- .eml ----------------------------------------------------------------------------------------


def eml(
    *,
    sender: str = "Equality Lead <equality@kent.example.gov.uk>",
    subject: str = "Our equality self-assessment",
    date: dt.datetime | None = dt.datetime(2026, 5, 20, 10, 15, tzinfo=dt.UTC),
    message_id: str | None = "<return-1@kent.example.gov.uk>",
    body: str = "Please find our return attached.",
    attachments: list[tuple[str, bytes, tuple[str, str]]] = (),
) -> EmailMessage:
    """A message as a mail client sends it: a text body and (name, bytes, (type, subtype)) files."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "equality@apcc.example.org.uk"
    if subject:
        message["Subject"] = subject
    if date is not None:
        message["Date"] = format_datetime(date)
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    for name, data, (maintype, subtype) in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def mbox(messages: list[EmailMessage]) -> bytes:
    """An mbox export: each message after a 'From ' line, 'From ' body lines escaped."""
    chunks = []
    for message in messages:
        raw = message.as_bytes()
        lines = [b">" + line if line.startswith(b"From ") else line for line in raw.split(b"\n")]
        chunks.append(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n" + b"\n".join(lines) + b"\n")
    return b"\n".join(chunks)


# --- compound files ------------------------------------------------------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NONE = 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


def cfb_bytes(tree: dict) -> bytes:
    """A compound file holding `tree`: name -> bytes (a stream) or dict (a storage)."""
    entries = [{"name": "Root Entry", "type": 5, "children": tree, "data": b""}]
    _flatten(entries, 0)
    mini_stream = bytearray()
    mini_fat: list[int] = []
    big: list[dict] = []
    for entry in entries:
        if entry["type"] != 2:
            continue
        data = entry["data"]
        if len(data) < _CUTOFF:
            if not data:
                entry["start"] = _END
                continue
            first = len(mini_fat)
            count = -(-len(data) // _MINI)
            mini_fat.extend(range(first + 1, first + count))
            mini_fat.append(_END)
            entry["start"] = first
            mini_stream += data + b"\0" * (count * _MINI - len(data))
        else:
            big.append(entry)
    directory = b"".join(_entry_bytes(entry) for entry in entries)
    directory += _entry_bytes(None) * ((-len(entries)) % 4)
    runs = [
        ("directory", directory),
        ("minifat", b"".join(struct.pack("<I", n) for n in mini_fat)),
        ("ministream", bytes(mini_stream)),
        *((id(entry), entry["data"]) for entry in big),
    ]
    sizes = [-(-len(data) // _SECTOR) for _, data in runs]
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + sum(sizes):
        fat_sectors += 1
    fat = [_FAT] * fat_sectors
    starts = {}
    for (key, _), count in zip(runs, sizes, strict=True):
        starts[key] = len(fat) if count else _END
        fat.extend(range(len(fat) + 1, len(fat) + count))
        if count:
            fat.append(_END)
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    entries[0]["start"] = starts["ministream"]
    entries[0]["size"] = len(mini_stream)
    for entry in big:
        entry["start"] = starts[id(entry)]
    directory = b"".join(_entry_bytes(entry) for entry in entries)
    directory += _entry_bytes(None) * ((-len(entries)) % 4)
    runs[0] = ("directory", directory)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack(
        "<IIIIIIIII",
        0,
        fat_sectors,
        starts["directory"],
        0,
        _CUTOFF,
        starts["minifat"],
        -(-len(mini_fat) * 4 // _SECTOR),
        _END,
        0,
    )
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header += b"".join(struct.pack("<I", n) for n in difat)
    body = b"".join(struct.pack("<I", n) for n in fat)
    for (_, data), count in zip(runs, sizes, strict=True):
        body += data + b"\0" * (count * _SECTOR - len(data))
    return header + body


def _flatten(entries: list[dict], index: int) -> None:
    """Give every child of entries[index] an entry, then link them as a balanced sibling tree."""
    parent = entries[index]
    ids = []
    for name, value in parent["children"].items():
        child = {"name": name, "left": _NONE, "right": _NONE, "child": _NONE, "size": 0}
        if isinstance(value, dict):
            child |= {"type": 1, "children": value, "data": b""}
        else:
            child |= {"type": 2, "children": {}, "data": bytes(value), "size": len(value)}
        entries.append(child)
        ids.append(len(entries) - 1)
    ids.sort(key=lambda i: (len(entries[i]["name"]), entries[i]["name"].upper()))
    parent["child"] = _balance(entries, ids)
    for i in ids:
        if entries[i]["type"] == 1:
            _flatten(entries, i)


def _balance(entries: list[dict], ids: list[int]) -> int:
    if not ids:
        return _NONE
    middle = len(ids) // 2
    entries[ids[middle]]["left"] = _balance(entries, ids[:middle])
    entries[ids[middle]]["right"] = _balance(entries, ids[middle + 1 :])
    return ids[middle]


def _entry_bytes(entry: dict | None) -> bytes:
    if entry is None:
        return b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 1, _NONE, _NONE, _NONE) + b"\0" * 48
    name = entry["name"].encode("utf-16-le") + b"\0\0"
    return (
        name.ljust(64, b"\0")
        + struct.pack(
            "<HBBIII",
            len(name),
            entry["type"],
            1,
            entry.get("left", _NONE),
            entry.get("right", _NONE),
            entry.get("child", _NONE),
        )
        + b"\0" * 36
        + struct.pack("<IQ", entry.get("start", _END), entry.get("size", 0))
    )


# --- Outlook .msg --------------------------------------------------------------------------------


def _text(prop_id: int, value: str) -> tuple[str, bytes]:
    return f"__substg1.0_{prop_id:04X}001F", value.encode("utf-16-le")


def _filetime(value: dt.datetime) -> int:
    return int((value - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)


def msg_tree(
    *,
    subject: str = "Our equality self-assessment",
    sender: str = "equality@kent.example.gov.uk",
    sender_name: str = "Equality Lead",
    date: dt.datetime | None = dt.datetime(2026, 5, 21, 9, 30, tzinfo=dt.UTC),
    message_id: str = "<msg-1@kent.example.gov.uk>",
    body: str = "Please find our return attached.",
    headers: bool = True,
    exchange_sender: bool = False,
    attachments: list[tuple[str, bytes]] = (),
    messages: list[dict] = (),
    smime: tuple[str, bytes] | None = None,
    embedded: bool = False,
) -> dict:
    """A message laid out as MS-OXMSG: the storage tree for `cfb_bytes`.

    `headers` keeps internet transport headers (a received message); without them the sender and
    date come from the MAPI properties only (a message saved from Sent Items, say).
    `exchange_sender` gives an Exchange (X.500) sender address and the SMTP one separately.
    """
    tree: dict = dict(
        [
            _text(0x001A, "IPM.Note.SMIME.MultipartSigned" if smime else "IPM.Note"),
            _text(0x0037, subject),
            _text(0x1000, body),
            _text(0x0C1A, sender_name),
        ]
    )
    if exchange_sender:
        tree |= dict([_text(0x0C1E, "EX"), _text(0x0C1F, "/O=APCC/OU=EXCHANGE/CN=LEAD")])
        tree |= dict([_text(0x5D01, sender)])
    else:
        tree |= dict([_text(0x0C1E, "SMTP"), _text(0x0C1F, sender)])
    if message_id:
        tree |= dict([_text(0x1035, message_id)])
    if headers and date is not None:
        transport = (
            f"From: {sender_name} <{sender}>\r\nTo: equality@apcc.example.org.uk\r\n"
            f"Subject: {subject}\r\nDate: {format_datetime(date)}\r\n"
            f"Message-ID: {message_id}\r\n\r\n"
        )
        tree |= dict([_text(0x007D, transport)])
    fixed = []
    if date is not None:
        fixed.append((0x00390040, _filetime(date)))
    parts = list(attachments)
    if smime:
        parts.append(smime)
    for number, (name, data) in enumerate(parts):
        attachment = dict([_text(0x3707, name), _text(0x3704, name[:12])])
        attachment["__substg1.0_37010102"] = data
        if smime and number == len(parts) - 1:
            attachment |= dict([_text(0x370E, "multipart/signed")])
        attachment["__properties_version1.0"] = _properties(8, [(0x37050003, 1)])
        tree[f"__attach_version1.0_#{number:08X}"] = attachment
    for offset, inner in enumerate(messages, start=len(parts)):
        attachment = dict([_text(0x3707, inner.get("__name__", "forwarded.msg"))])
        attachment["__substg1.0_3701000D"] = {k: v for k, v in inner.items() if k != "__name__"}
        attachment["__properties_version1.0"] = _properties(8, [(0x37050003, 5)])
        tree[f"__attach_version1.0_#{offset:08X}"] = attachment
    count = len(parts) + len(messages)
    header = 24 if embedded else 32
    tree["__properties_version1.0"] = _properties(header, fixed, attachments=count)
    if not embedded:
        tree["__nameid_version1.0"] = {
            "__substg1.0_00020102": b"",
            "__substg1.0_00030102": b"",
            "__substg1.0_00040102": b"",
        }
    return tree


def _properties(header: int, fixed: list[tuple[int, int]], attachments: int = 0) -> bytes:
    start = b"\0" * 8
    if header >= 24:
        start += struct.pack("<IIII", 0, attachments, 0, attachments)
    if header == 32:
        start += b"\0" * 8
    return start + b"".join(struct.pack("<IIQ", tag, 6, value) for tag, value in fixed)


def msg_bytes(**options) -> bytes:
    return cfb_bytes(msg_tree(**options))
