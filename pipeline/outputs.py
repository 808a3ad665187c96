"""Writing output files safely: atomically, inside the output folder, byte-for-byte repeatable.

A half-written workbook must never replace a good one, so every writer saves to a temporary file
in the same folder and then renames it into place. Office files are zips whose entries carry the
time they were written; fixing those times makes the same content give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl.writer.excel import ExcelWriter

#: The timestamp written on every zip entry, so that reruns give identical files.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class OutputError(OSError):
    """An output that could not be written where it belongs."""


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


def write_atomically(path: Path, write: Callable[[Path], None], *, office: bool = False) -> Path:
    """Call `write(tmp)` then move tmp onto `path`; office files get fixed zip timestamps."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent
    )
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if office:
            _fix_zip_times(tmp)
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


def save_workbook(workbook, path: Path) -> Path:
    """Save an openpyxl workbook atomically with repeatable bytes.

    openpyxl's `Workbook.save` stamps the current time into docProps/core.xml, which would make
    every run differ; writing through ExcelWriter keeps the dates the caller set on the properties.
    """

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(workbook, archive).save()

    return write_atomically(path, write, office=True)


def save_document(document, path: Path) -> Path:
    """Save a python-docx document atomically with repeatable bytes."""
    return write_atomically(path, document.save, office=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fix_zip_times(path: Path) -> None:
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, data)
