"""Tagged PDF copies of the Word reports, made with LibreOffice headless (`--pdf`).

GOV.UK guidance is to publish HTML first and PDF only beside it; a PDF that is published must
be accessible, so it is tagged (PDF/UA options: structure tree, headings, the document's
language). LibreOffice's plain `--convert-to pdf` keeps the contents as Word left it, without
page numbers, so each report is converted by a small Basic macro that first updates the
document's indexes (the contents, now with page numbers) and then exports. Each conversion runs
in its own LibreOffice profile (safe side by side) and is bounded in time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from pipeline import manifest
from pipeline.report.files import ReportOutcome

#: The status of a report whose PDF could not be made (the others are `manifest.Status`).
FAILED = "failed"

#: Seconds one report may take to convert before it is given up on.
TIMEOUT = 180
#: The PDF export options: tagged, PDF/UA, headings as bookmarks.
EXPORT_OPTIONS = ("UseTaggedPDF", "PDFUACompliance", "ExportBookmarks")

_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Export"
 script:language="StarBasic">
Sub TaggedPdf(source As String, target As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot; : load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(source), &quot;_blank&quot;, 0, load())
  indexes = doc.getDocumentIndexes()
  For i = 0 To indexes.getCount() - 1
    indexes.getByIndex(i).update()
  Next
  Dim options(@LAST@) As New com.sun.star.beans.PropertyValue
@OPTIONS@
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot; : store(0).Value = &quot;writer_pdf_Export&quot;
  store(1).Name = &quot;FilterData&quot; : store(1).Value = options()
  doc.storeToURL(ConvertToURL(target), store())
  doc.close(True)
End Sub
</script:module>
""".replace("@LAST@", str(len(EXPORT_OPTIONS) - 1)).replace(
    "@OPTIONS@",
    "\n".join(
        f"  options({i}).Name = &quot;{name}&quot; : options({i}).Value = True"
        for i, name in enumerate(EXPORT_OPTIONS)
    ),
)
_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard"
 library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Export"/>
</library:library>
"""


class PdfError(RuntimeError):
    """A report that could not be converted; the message says which and why."""


@dataclass(frozen=True)
class PdfOutcome:
    """What happened to one report's PDF: `path` is where it is, `status` a manifest status
    or FAILED (then `message` says why)."""

    code: str
    path: Path
    status: str
    message: str


@dataclass(frozen=True)
class _Job:
    source: Path
    target: Path
    soffice: str
    timeout: float


def soffice() -> str | None:
    """LibreOffice's command, if it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _soffice_or_fail() -> str:
    command = soffice()
    if command is None:
        raise PdfError(
            "LibreOffice (soffice) is not installed, so no PDF can be made. Install it "
            "(Debian: libreoffice-writer-nogui) or run without --pdf."
        )
    return command


def convert(source: Path, target: Path, *, timeout: float = TIMEOUT) -> Path:
    """Convert one Word report to a tagged PDF at `target`, its contents given page numbers."""
    return _convert(_Job(Path(source), Path(target), _soffice_or_fail(), timeout))


def _convert(job: _Job) -> Path:
    """Top-level and picklable, so conversions can run on a process pool."""
    if not zipfile.is_zipfile(job.source):
        raise PdfError(f"{job.source.name}: not a Word document (.docx), so no PDF was made.")
    with tempfile.TemporaryDirectory(prefix="equality-pdf-") as scratch:
        folder = Path(scratch)
        profile = folder / "profile"
        source, exported = folder / "report.docx", folder / "report.pdf"
        shutil.copyfile(job.source, source)
        base = [job.soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless"]
        base += ["--norestore", "--nologo", "--nodefault"]
        try:
            # A first start makes the profile (and would overwrite a macro put there before).
            _soffice([*base, "--terminate_after_init"], job)
            basic = profile / "user" / "basic" / "Standard"
            basic.mkdir(parents=True, exist_ok=True)
            (basic / "Export.xba").write_text(_MACRO, encoding="utf-8")
            (basic / "script.xlb").write_text(_LIBRARY, encoding="utf-8")
            _soffice([*base, f'macro:///Standard.Export.TaggedPdf("{source}","{exported}")'], job)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(
                f"{job.source.name}: LibreOffice took longer than {job.timeout:.0f} s to make "
                "its PDF, so it was stopped. Open the report in Word and save it as PDF instead."
            ) from exc
        if not exported.is_file() or exported.stat().st_size == 0:
            raise PdfError(
                f"{job.source.name}: LibreOffice made no PDF of it. Check that the file opens "
                "in Word or LibreOffice."
            )
        job.target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".pdf.", suffix=".pdf", dir=job.target.parent)
        os.close(handle)
        shutil.move(exported, tmp)
        os.replace(tmp, job.target)
    return job.target


def _soffice(command: list[str], job: _Job) -> None:
    """Run LibreOffice in a process group of its own, so that a timeout stops all of it."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        process.wait(timeout=job.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def write_pdfs(
    reports: Sequence[ReportOutcome],
    out_dir: Path,
    *,
    force: bool = False,
    executor: Executor | None = None,
    timeout: float = TIMEOUT,
) -> list[PdfOutcome]:
    """A tagged PDF beside each report just written (`<report name>.pdf`), through the folder's
    manifest: an edited PDF is kept and the new one goes beside it. A report that cannot be
    converted is reported in its outcome's message; the others go on."""
    command = _soffice_or_fail()
    out_dir = Path(out_dir)
    scratch = Path(tempfile.mkdtemp(prefix=".pdfs-", dir=out_dir))
    try:
        jobs = [
            _Job(Path(r.path), scratch / f"{Path(r.path).stem}.pdf", command, timeout)
            for r in reports
        ]
        mapper = executor.map if executor is not None else map
        results = list(mapper(_safe_convert, jobs))
        records = manifest.Manifest.load(out_dir)
        outcomes: list[PdfOutcome] = []
        for report, job, error in zip(reports, jobs, results, strict=True):
            if error:
                outcomes.append(PdfOutcome(report.code, Path(report.path), FAILED, error))
                continue
            name = Path(report.path).with_suffix(".pdf").name
            done = records.write(
                name, lambda target, job=job: os.replace(job.target, target), force=force
            )
            outcomes.append(PdfOutcome(report.code, done.path, done.status, done.message))
        records.save()
        return outcomes
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _safe_convert(job: _Job) -> str:
    """'' when converted, else the reason it was not (so one bad report stops no other)."""
    try:
        _convert(job)
    except (PdfError, OSError) as exc:
        return str(exc)
    return ""
