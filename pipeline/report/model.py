"""What a report says, as plain frozen data: no styles, no XML, nothing of any one file format.

`content.build_content` makes a `Document`; a writer (`word.render` for .docx) lays it out. A
writer maps each block and paragraph `role` to its own formatting, so another format (HTML) needs
a new writer and no change here. All text is final display text: plain strings, never markup.
Text marked `prompt` is an editor prompt: a gap the return left, for a person to fill before
publishing; writers show it highlighted, and `Document.prompts` lists them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

#: What a paragraph is for; each writer formats each role its own way.
Role = Literal["body", "quote"]


@dataclass(frozen=True)
class Text:
    """A run of text; `strong` for a label, `link` an http(s) address the text links to.

    `lang` is set when the run is in another language than the document's (e.g. "en" for the
    framework's criteria, which have no official Welsh translation, in a Welsh report).
    `prompt`: the text is an editor prompt ("[Editor: ...]"), never to be published as it is;
    writers show it highlighted so that nobody misses it.
    """

    text: str
    strong: bool = False
    link: str | None = None
    lang: str | None = None
    prompt: bool = False


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Text, ...]
    role: Role = "body"
    #: The paragraph's language when it is not the document's (see `Text.lang`).
    lang: str | None = None

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 is a chapter, 2 a part of it, 3 a part of that."""

    text: str
    level: int


@dataclass(frozen=True)
class BulletList:
    """A bulleted list; each item is one line of runs."""

    items: tuple[tuple[Text, ...], ...]


#: A table cell: one or more lines (paragraphs), each one run (plain text or a link).
Cell = tuple[Text, ...]


@dataclass(frozen=True)
class Table:
    """A data table with one header row and no merged cells.

    `widths` are the columns' relative widths. Cells in `level_column` hold a level word and
    are shown in that level's colour. `keep_rows`: no row breaks across pages (a writer may
    still let a row too long for one page break). `caption` names the table; `description`
    says what it holds (for screen readers).
    """

    caption: str
    description: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...]
    level_column: int | None = None
    keep_rows: bool = False


@dataclass(frozen=True)
class Figure:
    """A chart as a PNG image, its title, its alt text and its caption (a table follows it with
    the same data)."""

    png: bytes
    title: str
    alt_text: str
    caption: str


@dataclass(frozen=True)
class Contents:
    """Where the table of contents goes: it lists the headings of `levels`."""

    title: str
    levels: tuple[int, ...] = (1, 2)


Block = Heading | Paragraph | BulletList | Table | Figure | Contents


@dataclass(frozen=True)
class Field:
    """A labelled value, as on the title page: 'Date: 1 May 2026'; `prompt`: the value is an
    editor prompt (see `Text.prompt`)."""

    label: str
    value: str
    prompt: bool = False


@dataclass(frozen=True)
class TitlePage:
    """The title page: title, subtitle, details, and a notice (e.g. a draft warning) if any."""

    title: str
    subtitle: str
    details: tuple[Field, ...]
    notice_title: str | None = None
    notice: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Properties:
    """The document's metadata; `title` is also shown in the page header."""

    title: str
    subject: str
    author: str
    language: str
    keywords: str
    category: str
    status: str
    comments: str
    created: dt.datetime


@dataclass(frozen=True)
class Document:
    """A whole report: its properties, title page, then its blocks in reading order.

    `prompts`: a short label of each editor prompt left in it, in reading order (e.g.
    "Commentary on theme 3"), for the run summary.
    """

    properties: Properties
    title_page: TitlePage
    blocks: tuple[Block, ...]
    prompts: tuple[str, ...] = ()

    def headings(self, levels: tuple[int, ...] = (1, 2, 3)) -> list[Heading]:
        """The headings of these levels, in order (what a table of contents lists)."""
        return [b for b in self.blocks if isinstance(b, Heading) and b.level in levels]
