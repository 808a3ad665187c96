"""Writing output files safely: atomically, inside the output folder, byte-for-byte repeatable.

A half-written workbook must never replace a good one, so every writer saves to a temporary file
in the same folder and then renames it into place. Office files are zips whose entries carry the
time they were written; fixing those times makes the same content give the same bytes.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import io
import os
import re
import sys
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
from lxml import etree
from openpyxl.writer.excel import ExcelWriter

#: The timestamp written on every zip entry, so that reruns give identical files.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


#: Every temporary file a writer makes starts with this, so that a later run can tell the ones a
#: killed run left behind from anything else in the folder, and remove them.
TEMP_PREFIX = ".equality-tmp-"
#: Temporaries of earlier versions, which named them after the output: `.<name>.<random>.<ext>`,
#: `.new.<random>.<ext>` and `.rendering-<code>-<year>.docx`.
_LEGACY_TEMP = re.compile(r"^\.(rendering-[a-z0-9-]+\.docx|.+\.[a-z0-9_]{8}\.(xlsx|docx|json))$")
#: The lock file a run holds in its output folder while it writes there.
LOCK_NAME = ".equality.lock"
#: The longest file name from an input that an output carries (document properties allow 255).
NAME_LIMIT = 120
#: Errors that mean the disk (or the user's quota, or a file size limit) is full.
SPACE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class OutputError(OSError):
    """An output that could not be written where it belongs."""


class FolderBusy(OutputError):
    """Another run holds the output folder's lock."""


def valid_text(text: str) -> str:
    """Text that can be written to any output: bytes that were not UTF-8 (a Latin-1 file name
    read through the file system's surrogate escapes) become U+FFFD instead of failing a writer."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "replace")
    return data.decode("utf-8", "replace")


def display_name(name: object, limit: int = NAME_LIMIT) -> str:
    """A file name from the input as outputs show it: valid text, no control or direction
    characters, and at most `limit` characters (the end of a long name cut, its suffix kept)."""
    text = valid_text(str(name))
    text = "".join(
        "\ufffd" if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") else ch for ch in text
    )
    text = _BIDI_CONTROLS.sub("\ufffd", text)
    if len(text) <= limit:
        return text
    _, dot, suffix = text.rpartition(".")
    suffix = f".{suffix}" if dot and len(suffix) <= 8 else ""
    return text[: limit - len(suffix) - 1] + "\u2026" + suffix


def is_out_of_space(exc: BaseException) -> bool:
    """True when `exc`, or what caused it, is a write that failed for want of space."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in SPACE_ERRORS:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def is_temporary(name: str) -> bool:
    """True for the name of a temporary file one of our writers makes."""
    return name.startswith(TEMP_PREFIX) or bool(_LEGACY_TEMP.match(name))


def remove_temporaries(folder: Path) -> list[Path]:
    """Delete the temporaries a killed run left in `folder` (not below it); call it only while
    holding the folder's lock, so that no running writer's file is taken."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if is_temporary(entry.name) and entry.is_file(follow_symlinks=False):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return sorted(removed)


@contextmanager
def locked(folder: Path) -> Iterator[Path]:
    """Hold the output folder's lock while the block runs; refuse at once (FolderBusy) when
    another run holds it, so that two runs never write one folder together."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(folder / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise FolderBusy(
            errno.EBUSY,
            f"Another equality run is writing to {folder} right now. Wait for it to finish and "
            "run again, or choose another folder with --out.",
        ) from exc
    try:
        yield folder
    finally:
        lock.release()


def safe_name(text: str, fallback: str = "file") -> str:
    """A file-name part made only of lower-case letters, digits and hyphens (never a path)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or fallback


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refusing any name that would land outside the folder."""
    folder = Path(folder).resolve()
    target = (folder / name).resolve()
    if target.parent != folder and folder not in target.parents:
        raise OutputError(f"Refusing to write {name!r}: it would land outside {folder}.")
    return target


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` then move tmp onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f"{TEMP_PREFIX}{path.stem[:40]}.", suffix=path.suffix, dir=path.parent
    )
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    return write_atomically(path, lambda tmp: tmp.write_bytes(data))


def save_workbook(workbook, path: Path, writer: Callable = ExcelWriter) -> Path:
    """Save an openpyxl workbook atomically with repeatable bytes.

    openpyxl's `Workbook.save` stamps the current time into docProps/core.xml, which would make
    every run differ; writing through ExcelWriter keeps the dates the caller set on the properties.
    `writer`: an ExcelWriter, or one made like it (`sheets.TailedWriter`).
    """

    def write(tmp: Path) -> None:
        buffer = io.BytesIO()  # built in memory: only the one write below can fail
        try:
            with _FixedTimes(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                writer(workbook, archive).save()
        except etree.SerialisationError as exc:
            # openpyxl writes each sheet to a temporary file through lxml, which reports a full
            # disk as "IO_ENOSPC" (or "IO_EFBIG"): make it the OSError it is. The sheet writers
            # it leaves half done are closed here, quietly, not later with a traceback.
            name = str(exc).removeprefix("IO_")
            failure = OSError(getattr(errno, name, errno.EIO), f"{exc} while writing {path}")
            exc.__traceback__ = None
            del exc
            hook = sys.unraisablehook
            sys.unraisablehook = lambda unraisable: None
            try:
                gc.collect()
            finally:
                sys.unraisablehook = hook
            raise failure from None
        tmp.write_bytes(buffer.getvalue())

    return write_atomically(path, write)


def save_document(document, path: Path) -> Path:
    """Save a python-docx document atomically with repeatable bytes."""
    # python-docx leaves its zip open when a write fails; in memory, a write cannot fail.
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as saved:
        entries = [(name, saved.read(name)) for name in saved.namelist()]
    return write_bytes_atomically(path, office_zip(entries))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _FixedTimes(zipfile.ZipFile):
    """A zip whose every entry has the fixed time ZIP_EPOCH and fixed permissions, written once
    (no second pass to rewrite the times)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None) -> None:
        super().writestr(
            _fixed_entry(getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)), data
        )

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())

    def write_deflated(self, name: str, data: bytes, deflated: bytes, crc: int) -> None:
        """Add an entry already deflated, with the bytes `writestr` would give it."""
        entry = _fixed_entry(name)
        entry.file_size, entry.compress_size, entry.CRC = len(data), len(deflated), crc
        entry.flag_bits = 0
        self.fp.seek(self.start_dir)
        entry.header_offset = self.fp.tell()
        self._writecheck(entry)
        self._didModify = True
        self.fp.write(entry.FileHeader(False))
        self.fp.write(deflated)
        self.start_dir = self.fp.tell()
        self.filelist.append(entry)
        self.NameToInfo[name] = entry


def _fixed_entry(name: str) -> zipfile.ZipInfo:
    fixed = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    fixed.compress_type = zipfile.ZIP_DEFLATED
    fixed.external_attr = 0o600 << 16
    return fixed


#: (name, data) -> (deflated data, CRC) of the entries every report of a batch shares (its
#: template's styles, theme, fonts): deflated once, not once per report.
_DEFLATED: dict[tuple[str, bytes], tuple[bytes, int]] = {}
_DEFLATED_ENTRIES = 64


def _deflated(name: str, data: bytes) -> tuple[bytes, int]:
    key = (name, data)
    found = _DEFLATED.get(key)
    if found is None:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        found = compressor.compress(data) + compressor.flush(), zlib.crc32(data)
        if len(_DEFLATED) >= _DEFLATED_ENTRIES:
            _DEFLATED.pop(next(iter(_DEFLATED)))
        _DEFLATED[key] = found
    return found


def office_zip(entries: Iterable[tuple[str, bytes]], *, unchanging: Collection[str] = ()) -> bytes:
    """The bytes of an Office file (a zip) holding these (name, data) entries in this order,
    repeatable: fixed times, deflated. The entries named in `unchanging` are the same in every
    file the caller makes: each is deflated once and the result re-used (same bytes)."""
    buffer = io.BytesIO()
    with _FixedTimes(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            if name in unchanging and len(data) * 1.05 < zipfile.ZIP64_LIMIT:
                archive.write_deflated(name, data, *_deflated(name, data))
            else:
                archive.writestr(name, data)
    return buffer.getvalue()
