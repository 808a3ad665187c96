"""Outlook .msg files read with olefile: the few properties a return's provenance needs.

A .msg file (what dragging a message out of Outlook saves) is an OLE compound file laid out as
MS-OXMSG describes: each property of the message is a stream named `__substg1.0_<id><type>`, fixed
size ones sit in `__properties_version1.0`, and each attachment is a storage
`__attach_version1.0_#<n>` holding its bytes (0x3701) or, for an attached message, a storage of the
same layout (0x3701, type 000D). Reading this directly keeps the project MIT-only: the common
`extract-msg` package is GPL-3.0 (see README, "Email in and out").
"""

from __future__ import annotations

import datetime as dt
import io
import struct

import olefile

from pipeline.mail import messages
from pipeline.mail.messages import Attachment, Message, one_line

# Property ids (MS-OXPROPS).
SUBJECT = 0x0037
CLIENT_SUBMIT_TIME = 0x0039
TRANSPORT_HEADERS = 0x007D
SENDER_NAME = 0x0C1A
SENDER_ADDRESS_TYPE = 0x0C1E
SENDER_EMAIL = 0x0C1F
DELIVERY_TIME = 0x0E06
MESSAGE_ID = 0x1035
ATTACH_DATA = 0x3701
ATTACH_FILENAME = 0x3704
ATTACH_LONG_FILENAME = 0x3707
ATTACH_MIME_TAG = 0x370E
DISPLAY_NAME = 0x3001
SENDER_SMTP = 0x5D01

# Property types.
UNICODE = 0x001F
STRING8 = 0x001E
BINARY = 0x0102
OBJECT = 0x000D
SYSTIME = 0x0040

ATTACHMENT_PREFIX = "__attach_version1.0_#"
PROPERTIES = "__properties_version1.0"
#: The fixed-length property stream starts with a header: 32 bytes for the message itself, 24 for
#: a message embedded in an attachment, 8 for attachment and recipient storages.
_TOP_HEADER, _EMBEDDED_HEADER = 32, 24
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def stream_name(prop_id: int, prop_type: int) -> str:
    return f"__substg1.0_{prop_id:04X}{prop_type:04X}"


def read_msg(data: bytes, source: str, depth: int = 0) -> Message:
    """The message held in a .msg file's bytes; a damaged file gives a Message with a problem."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return _Reader(ole).message([], source, depth, _TOP_HEADER)
    except Exception as exc:  # olefile raises OSError, ValueError, struct.error... on damage
        return Message(source=source, problem=f"the Outlook message is damaged ({exc})"[:300])


class _Reader:
    def __init__(self, ole: olefile.OleFileIO) -> None:
        self.ole = ole
        self.entries = [tuple(path) for path in ole.listdir(streams=True, storages=True)]

    def message(self, prefix: list[str], source: str, depth: int, header: int) -> Message:
        message = Message(source=source)
        headers = self.text(prefix, TRANSPORT_HEADERS)
        parsed = messages.headers_only(headers) if headers else None
        if parsed is not None:
            found = messages.from_email(parsed, source, depth)
            message.sender, message.sender_name = found.sender, found.sender_name
            message.date, message.message_id = found.date, found.message_id
        message.subject = one_line(self.text(prefix, SUBJECT))
        message.message_id = message.message_id or one_line(self.text(prefix, MESSAGE_ID))
        if not message.sender:
            message.sender = self._sender(prefix)
        message.sender_name = message.sender_name or one_line(self.text(prefix, SENDER_NAME))
        if message.date is None:
            times = self._times(prefix, header)
            message.date = times.get(CLIENT_SUBMIT_TIME) or times.get(DELIVERY_TIME)
        if depth >= messages.MAX_DEPTH:
            message.notes.append(messages.TOO_DEEP)
            return message
        for storage in self._attachments(prefix):
            self._attachment(message, [*prefix, storage], source, depth)
        return message

    def _sender(self, prefix: list[str]) -> str:
        smtp = one_line(self.text(prefix, SENDER_SMTP))
        if "@" in smtp:
            return smtp
        address = one_line(self.text(prefix, SENDER_EMAIL))
        kind = one_line(self.text(prefix, SENDER_ADDRESS_TYPE)).upper()
        return address if "@" in address and kind in ("", "SMTP") else ""

    def _attachments(self, prefix: list[str]) -> list[str]:
        depth = len(prefix)
        return sorted(
            {
                path[depth]
                for path in self.entries
                if len(path) > depth
                and list(path[:depth]) == prefix
                and path[depth].startswith(ATTACHMENT_PREFIX)
            }
        )

    def _attachment(self, message: Message, prefix: list[str], source: str, depth: int) -> None:
        name = one_line(
            self.text(prefix, ATTACH_LONG_FILENAME)
            or self.text(prefix, ATTACH_FILENAME)
            or self.text(prefix, DISPLAY_NAME),
            255,
        )
        embedded = [*prefix, stream_name(ATTACH_DATA, OBJECT)]
        if self._is_storage(embedded):
            message.embedded.append(self.message(embedded, source, depth + 1, _EMBEDDED_HEADER))
            return
        data = self.binary(prefix, ATTACH_DATA)
        if data is None:
            return  # an attachment by reference (a link), which carries no file
        mime = one_line(self.text(prefix, ATTACH_MIME_TAG)).lower()
        if name.lower() == "smime.p7m" or mime in ("application/pkcs7-mime", "multipart/signed"):
            self._smime(message, data, mime, source, depth)
            return
        attachment = Attachment(name, mime or "application/octet-stream", data)
        inner = messages.attached_message(attachment, source, depth)
        if inner is not None:
            message.embedded.append(inner)
        else:
            message.attachments.append(attachment)

    def _smime(self, message: Message, data: bytes, mime: str, source: str, depth: int) -> None:
        """Outlook keeps a clear-signed message whole, as MIME, in an smime.p7m attachment."""
        if mime == "multipart/signed" or data.lstrip()[:200].lower().find(b"content-type") >= 0:
            inner = messages.from_bytes(data, source, depth)
            message.attachments.extend(inner.attachments)
            message.embedded.extend(inner.embedded)
            message.notes.extend(note for note in inner.notes if note not in message.notes)
            if messages.SIGNED_NOTE not in message.notes:
                message.notes.append(messages.SIGNED_NOTE)
            message.problem = message.problem or inner.problem
            return
        message.problem = messages.smime_problem(data)

    def _is_storage(self, path: list[str]) -> bool:
        return self.ole.exists("/".join(path)) and self.ole.get_type("/".join(path)) == (
            olefile.STGTY_STORAGE
        )

    def _stream(self, path: list[str]) -> bytes | None:
        joined = "/".join(path)
        if not self.ole.exists(joined) or self.ole.get_type(joined) != olefile.STGTY_STREAM:
            return None
        return self.ole.openstream(joined).read()

    def text(self, prefix: list[str], prop_id: int) -> str:
        data = self._stream([*prefix, stream_name(prop_id, UNICODE)])
        if data is not None:
            return data.decode("utf-16-le", "replace").rstrip("\x00")
        data = self._stream([*prefix, stream_name(prop_id, STRING8)])
        if data is not None:
            return data.decode("cp1252", "replace").rstrip("\x00")
        return ""

    def binary(self, prefix: list[str], prop_id: int) -> bytes | None:
        return self._stream([*prefix, stream_name(prop_id, BINARY)])

    def _times(self, prefix: list[str], header: int) -> dict[int, dt.datetime]:
        """The date-time properties among the fixed-length ones."""
        data = self._stream([*prefix, PROPERTIES]) or b""
        times = {}
        for offset in range(header, len(data) - 15, 16):
            tag, _flags, value = struct.unpack_from("<IIQ", data, offset)
            if tag & 0xFFFF == SYSTIME and value:
                try:
                    times[tag >> 16] = _FILETIME_EPOCH + dt.timedelta(microseconds=value // 10)
                except OverflowError:
                    continue
        return times
