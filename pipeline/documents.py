"""Reading an OPCC's own documents (.docx, .pdf, .txt) into passages a person can find again.

A passage is one paragraph or numbered clause, with the document's name and where it sits
("clause 7", "paragraph 3", or "page 2, clause 7" in a PDF), so that a suggestion can be checked
against the document in a minute. Headings are not passages: they travel with the passages under
them, since "Equality Commitments" says what the clauses below it are about.

Documents are only read, and their text is kept as plain text: nothing here is ever written out as
a formula or markup (the writers in `suggest` store every string as a string).
"""

from __future__ import annotations

import re
import statistics
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

#: What `read_document` can read, and how a person turns anything else into one of them.
SUFFIXES = (".docx", ".pdf", ".txt")
#: A document larger than this is refused: an equality policy or annual report is a few MB.
MAX_BYTES = 50 * 1024 * 1024
#: A passage shorter than this (in words) is a heading, a caption or a page furniture line.
MIN_WORDS = 5
#: A heading is a short line with no closing punctuation.
HEADING_MAX_WORDS = 10

_CLAUSE = re.compile(r"^(?P<number>\d{1,3}(?:\.\d{1,3})*)(?:[.)]\s*|\s+(?=[A-Z(]))(?P<rest>\S.*)$")
_BULLET = re.compile(r"^[•●▪◦‣∙·\-–—*]\s+")
_CLOSING = tuple(".:;!?,)”\"'")


class DocumentError(ValueError):
    """A document that cannot be read: the message names the file, what is wrong and the fix."""


@dataclass(frozen=True)
class Passage:
    document: str
    #: Where a person finds it: "clause 7", "paragraph 3", "page 2, paragraph 1".
    reference: str
    text: str
    heading: str = ""
    page: int | None = None


@dataclass
class Document:
    name: str
    passages: list[Passage]
    #: Things the reader should know, e.g. pages of a PDF that had no text to read.
    notes: list[str] = field(default_factory=list)


def read_document(path: Path) -> Document:
    """The passages of one .docx, .pdf or .txt file; DocumentError when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"{path.name}: the file was not found.")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(
            f"{path.name}: cannot read {suffix or 'a file without an extension'} files. "
            "Save it as Word (.docx), PDF or plain text (.txt) and run again."
        )
    if path.stat().st_size > MAX_BYTES:
        raise DocumentError(
            f"{path.name}: the file is larger than {MAX_BYTES // (1024 * 1024)} MB. "
            "Save the relevant part as its own document."
        )
    if suffix == ".docx":
        return Document(path.name, _passages(path.name, [(None, _docx_paragraphs(path))]))
    if suffix == ".pdf":
        return _read_pdf(path)
    return Document(path.name, _passages(path.name, [(None, _txt_paragraphs(path))]))


# --- the three formats --------------------------------------------------------------------------


def _docx_paragraphs(path: Path) -> list[str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(
            f"{path.name}: not a readable Word document ({exc}). Open it in Word and save it "
            "again as .docx."
        ) from exc
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if cell.text.strip() and cell.text not in cells:  # merged cells repeat
                    cells.append(cell.text)
            paragraphs.append(" — ".join(" ".join(c.split()) for c in cells))
    return [line for text in paragraphs for line in text.splitlines() or [""]]


def _txt_paragraphs(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()
    return _join_wrapped(lines) if _looks_wrapped(lines) else lines


def _read_pdf(path: Path) -> Document:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(
                f"{path.name}: the PDF is password protected. Save an unprotected copy and run "
                "again."
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise DocumentError(
            f"{path.name}: not a readable PDF ({exc}). Open it and save or export it as PDF again."
        ) from exc
    empty = [number for number, text in enumerate(pages, start=1) if not text.strip()]
    if len(empty) == len(pages):
        raise DocumentError(
            f"{path.name}: the PDF has no text layer (it looks scanned: its pages are pictures "
            "of text), so there is nothing to suggest from. Run it through OCR (text "
            "recognition) or use the Word original, and run again."
        )
    notes = []
    if empty:
        listed = ", ".join(map(str, empty))
        notes.append(
            f"{path.name}: page(s) {listed} have no text layer (scanned?) and were not read."
        )
    numbered = [(number, _join_wrapped(text.splitlines())) for number, text in enumerate(pages, 1)]
    return Document(path.name, _passages(path.name, numbered), notes)


# --- lines into paragraphs into passages --------------------------------------------------------


def _looks_wrapped(lines: list[str]) -> bool:
    """A text file hard-wrapped at a fixed width (e.g. copied out of a PDF), not one line each."""
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    return len(lengths) >= 5 and max(lengths) <= 100 and statistics.median(lengths) >= 40


def _starts_paragraph(line: str) -> bool:
    return bool(_CLAUSE.match(line) or _BULLET.match(line))


def _join_wrapped(lines: list[str]) -> list[str]:
    """Rejoin lines wrapped at the page width into paragraphs.

    A paragraph ends at a blank line, before a numbered clause, bullet or heading, or after a
    line that stops well short of the text width (the last line of a paragraph, or a heading).
    """
    stripped = [" ".join(line.split()) for line in lines]
    lengths = sorted(len(line) for line in stripped if line)
    if not lengths:
        return []
    width = lengths[int(0.9 * (len(lengths) - 1))]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in stripped:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if current and (_starts_paragraph(line) or _heading_after(current[-1], line, width)):
            paragraphs.append(" ".join(current))
            current = []
        if current and current[-1].endswith("-") and not current[-1].endswith(" -"):
            current[-1] = current[-1][:-1] + line  # a word hyphenated across the line break
        else:
            current.append(line)
        if len(line) < 0.7 * width:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _heading_after(previous: str, line: str, width: int) -> bool:
    """A short capitalised line with no closing punctuation after a finished sentence: a heading
    (in a PDF it follows the last line of a clause that happened to fill the width)."""
    return (
        previous.endswith((".", "!", "?", ";", ":"))
        and len(line) < 0.7 * width
        and line[:1].isupper()
        and _is_heading(line)
    )


def _is_heading(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= HEADING_MAX_WORDS and not text.endswith(_CLOSING)


def _passages(document: str, pages: list[tuple[int | None, list[str]]]) -> list[Passage]:
    """Passages with their references; paragraphs are counted per page in a PDF."""
    passages = []
    heading = ""
    for page, paragraphs in pages:
        count = 0
        for raw in paragraphs:
            text = " ".join(raw.split())
            if not text:
                continue
            clause = _CLAUSE.match(text)
            body = _BULLET.sub("", clause["rest"] if clause else text)
            if not clause and _is_heading(body):
                heading = body
                continue
            if len(body.split()) < MIN_WORDS:
                continue
            count += 1
            where = f"clause {clause['number']}" if clause else f"paragraph {count}"
            if page is not None:
                where = f"page {page}, {where}"
            passages.append(Passage(document, where, body, heading, page))
    return passages
