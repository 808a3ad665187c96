"""The HTML writer: a `model.Document` as one self-contained, accessible web page.

Public bodies publish their equality information on their websites, and GOV.UK guidance is to
publish HTML first. The page is semantic HTML (landmarks, a skip link, a contents list, real
tables with captions and scopes, charts with alt text and their data as a table) with its
styles inline: no script, no external request, the charts as `data:` PNGs.

Built with the standard library's `html.escape`, not a template engine: the page's shape is
the recursive content model, not a template, so code walks it; every piece of text passes
through `_text` (escaped, never markup) and every attribute through `_attr`. Fixed words of
the page come from `WORDS`, keyed by language, so that a translation adds a table there.
"""

from __future__ import annotations

import base64
import html
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline import i18n, marks
from pipeline.report import model
from pipeline.report.text import INVALID_XML, TEXTS_REMEMBERED, web_address
from pipeline.vocabulary import LEVEL_COLOURS

DEFAULT_LANGUAGE = "en-GB"
#: A file beside the page (the same report in the other language): the one kind of link that is
#: not a web address. Content makes such links only from names it builds itself.
_SIBLING = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(html|docx)")


def _words(words: i18n.Translator) -> dict[str, str]:
    """The page's own words (not the report's, which come with the content), from the catalogue."""
    _ = words._
    return {
        "skip": _("Skip to content"),
        "contents": _("Contents"),
        "details": _("About this report"),
        "demo": "DEMO",
        "generated": _(
            "Made with the equality tool from the APCC Equality Framework self-assessment."
        ),
    }


def word(key: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The page's fixed word `key` in `language` ("cy-GB" -> "cy"); English for a language the
    report has no catalogue for."""
    code = language.split("-")[0].lower()
    return _words(i18n.Translator(code if code in i18n.LANGUAGES else "en"))[key]


STYLE = """
:root { --ink: #1a1a1a; --muted: #4a4a4a; --rule: #b1b4b6; --link: #1d4f91; --focus: #ffdd00; }
* { box-sizing: border-box; }
html { font-family: Arial, "Liberation Sans", Helvetica, sans-serif; color: var(--ink);
  background: #fff; line-height: 1.5; }
body { margin: 0; }
.page { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem 2rem; }
.skip-link { position: absolute; left: -9999px; top: 0; padding: .5rem 1rem;
  background: var(--focus); color: var(--ink); font-weight: bold; z-index: 10; }
.skip-link:focus { left: 0; }
a { color: var(--link); text-decoration-thickness: max(1px, .0625rem); overflow-wrap: anywhere; }
a:focus { outline: 3px solid transparent; background: var(--focus); color: var(--ink);
  box-shadow: 0 -2px var(--focus), 0 4px var(--ink); text-decoration: none; }
header.title-page { border-bottom: 4px solid var(--ink); padding: 2rem 0 1rem;
  margin-bottom: 1.5rem; }
h1 { font-size: 2.25rem; line-height: 1.2; margin: 0 0 .5rem; }
h2 { font-size: 1.75rem; line-height: 1.25; margin: 2.5rem 0 1rem;
  border-top: 1px solid var(--rule); padding-top: 1.5rem; }
h3 { font-size: 1.375rem; margin: 2rem 0 .75rem; }
h4 { font-size: 1.125rem; margin: 1.5rem 0 .5rem; }
.subtitle { font-size: 1.375rem; color: var(--muted); margin: 0 0 1rem; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.details dt { font-weight: bold; }
dl.details dd { margin: 0; }
.notice, .demo-banner { border-left: 10px solid #d4351c; background: #fbe9e7; padding: .75rem 1rem;
  margin: 1rem 0; }
.demo-banner { font-weight: bold; }
.notice-title { font-weight: bold; font-size: 1.2rem; margin-top: 0; }
nav.contents ol { list-style: none; padding-left: 1.5rem; }
nav.contents > ol { padding-left: 0; }
nav.contents h2 { border-top: 0; padding-top: 0; }
nav.contents li { margin: .2rem 0; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: 5px solid var(--rule);
  color: var(--ink); background: #f3f2f1; }
blockquote p { margin: .25rem 0; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: 1rem 0 1.5rem;
  font-size: .95rem; }
caption { text-align: left; font-weight: bold; font-size: 1.05rem; padding-bottom: .5rem; }
th, td { border: 1px solid var(--rule); padding: .4rem .5rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
thead th { background: #e8e8e8; }
tbody th { font-weight: normal; }
figure { margin: 1.5rem 0 .5rem; }
figure img { max-width: 100%; height: auto; }
figcaption { font-style: italic; color: var(--muted); }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: 0; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); border: 0; white-space: nowrap; }
footer { border-top: 1px solid var(--rule); margin-top: 3rem; padding-top: 1rem;
  color: var(--muted); font-size: .9rem; }
@media print {
  @page { margin: 18mm 15mm; }
  html { font-size: 10.5pt; }
  .page { max-width: none; padding: 0; }
  .skip-link { display: none; }
  a { color: var(--ink); }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .85em; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  section.chapter { break-before: page; page-break-before: always; }
  h2 { border-top: 0; padding-top: 0; }
  tr, figure, blockquote { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  td, th, .notice, .demo-banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _level_style() -> str:
    """One class per level, in the palette every output shares (the word is in the cell too)."""
    rules = [
        f".level-{_slug(level)} {{ background: #{fill}; color: #{ink}; font-weight: bold; }}"
        for level, (fill, ink) in LEVEL_COLOURS.items()
    ]
    return "\n".join(rules) + "\n"


def render(content: model.Document, *, demo: bool = False, language: str | None = None) -> str:
    """The report as a complete HTML page. `language` (a BCP 47 tag such as "en-GB") sets the
    page's `lang` and its fixed words; default: the document's own language. `demo`: DEMO in
    the title and a banner at the top."""
    language = language or content.properties.language or DEFAULT_LANGUAGE
    page = _Page(content, language, demo)
    return page.render()


@dataclass
class _Page:
    content: model.Document
    language: str
    demo: bool
    out: list[str] = field(default_factory=list)
    ids: dict[int, str] = field(default_factory=dict)
    counter: int = 0
    #: The level of the last heading written (the page title is 1).
    depth: int = 1

    def __post_init__(self) -> None:
        used: set[str] = set()
        for index, block in enumerate(self.content.blocks):
            if isinstance(block, model.Heading):
                base = _slug(block.text) or "section"
                anchor, number = base, 2
                while anchor in used:
                    anchor, number = f"{base}-{number}", number + 1
                used.add(anchor)
                self.ids[index] = anchor

    def word(self, key: str) -> str:
        return word(key, self.language)

    def emit(self, *parts: str) -> None:
        self.out.extend(parts)

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def render(self) -> str:
        props = self.content.properties
        title = (marks.PREFIX if self.demo else "") + props.title
        self.emit(
            "<!DOCTYPE html>\n",
            f'<html lang="{_attr(self.language)}">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{_text(title)}</title>\n",
        )
        for name, value in (
            ("description", props.subject),
            ("author", props.author),
            ("keywords", props.keywords),
        ):
            if value:
                self.emit(f'<meta name="{name}" content="{_attr(value)}">\n')
        self.emit(f"<style>{STYLE}{_level_style()}</style>\n</head>\n<body>\n")
        self.emit(f'<a class="skip-link" href="#main">{_text(self.word("skip"))}</a>\n')
        self.emit('<div class="page">\n')
        self.title_page(self.content.title_page)
        self.emit('<main id="main" tabindex="-1">\n')
        self.blocks()
        self.emit("</main>\n")
        self.emit(f"<footer>\n<p>{_text(self.word('generated'))}</p>\n</footer>\n")
        self.emit("</div>\n</body>\n</html>\n")
        return "".join(self.out)

    def title_page(self, page: model.TitlePage) -> None:
        title = (marks.PREFIX if self.demo else "") + page.title
        self.emit('<header class="title-page">\n', f"<h1>{_text(title)}</h1>\n")
        if self.demo:
            self.emit(
                f'<p class="demo-banner"><strong>{_text(self.word("demo"))}:</strong> '
                f"{_text(marks.BANNER.removeprefix(marks.DEMO + ':').strip())}</p>\n"
            )
        if page.subtitle:
            self.emit(f'<p class="subtitle">{_text(page.subtitle)}</p>\n')
        if page.details:
            self.emit(f'<dl class="details" aria-label="{_attr(self.word("details"))}">\n')
            for detail in page.details:
                label = detail.label.rstrip(":")
                self.emit(f"<dt>{_text(label)}</dt><dd>{_text(detail.value)}</dd>\n")
            self.emit("</dl>\n")
        if page.notice_title or page.notice:
            self.emit('<div class="notice">\n')
            if page.notice_title:
                self.emit(f'<p class="notice-title">{_text(page.notice_title)}</p>\n')
            for block in page.notice:
                self.block(block, None)
            self.emit("</div>\n")
        self.emit("</header>\n")

    def blocks(self) -> None:
        """The blocks in order; each level-1 heading opens a `<section>` up to the next."""
        open_section = False
        for index, block in enumerate(self.content.blocks):
            if isinstance(block, model.Heading) and block.level == 1:
                if open_section:
                    self.emit("</section>\n")
                self.emit(f'<section class="chapter" aria-labelledby="{_attr(self.ids[index])}">\n')
                open_section = True
            self.block(block, self.ids.get(index))
        if open_section:
            self.emit("</section>\n")

    def block(self, block: object, anchor: str | None) -> None:
        """One block; a kind this writer does not know shows its text, if it has any."""
        writer: Callable | None = _WRITERS.get(type(block))
        if writer is not None:
            writer(self, block, anchor)
        elif isinstance(getattr(block, "runs", None), tuple):
            self.paragraph(model.Paragraph(block.runs), anchor)
        elif isinstance(getattr(block, "text", None), str) and block.text:
            self.paragraph(model.Paragraph((model.Text(block.text),)), anchor)

    def heading(self, block: model.Heading, anchor: str | None) -> None:
        # The page title is <h1>, so the report's chapters are <h2> and so on down; a heading
        # never skips a level (an <h4> straight after an <h2> is shown as an <h3>).
        self.depth = min(max(block.level, 1) + 1, self.depth + 1, 6)
        tag = f"h{self.depth}"
        id_attr = f' id="{_attr(anchor)}"' if anchor else ""
        self.emit(f"<{tag}{id_attr}>{_text(block.text)}</{tag}>\n")

    def paragraph(self, block: model.Paragraph, anchor: str | None = None) -> None:
        inner = _runs(block.runs)
        if not inner:
            return
        lang = f' lang="{_attr(block.lang)}"' if block.lang else ""
        if block.role == "quote":
            self.emit(f"<blockquote><p{lang}>{inner}</p></blockquote>\n")
        else:
            self.emit(f"<p{lang}>{inner}</p>\n")

    def bullets(self, block: model.BulletList, anchor: str | None) -> None:
        items = [_runs(item) for item in block.items]
        self.emit("<ul>\n", *(f"<li>{item}</li>\n" for item in items if item), "</ul>\n")

    def table(self, table: model.Table, anchor: str | None) -> None:
        """A data table: a caption, a described-by summary, column headers, and the first
        column as row headers (it names what each row is about)."""
        description = self.next_id("table-description")
        total = sum(table.widths) or 1
        self.emit(
            f'<p class="visually-hidden" id="{description}">{_text(table.description)}</p>\n'
            if table.description
            else "",
            f'<table aria-describedby="{description}">\n' if table.description else "<table>\n",
            f"<caption>{_text(table.caption)}</caption>\n<colgroup>",
            *(
                f'<col style="width: {100 * width / total:.1f}%">'
                for width in table.widths[: len(table.header)]
            ),
            "</colgroup>\n<thead>\n<tr>",
            *(f'<th scope="col">{_text(label)}</th>' for label in table.header),
            "</tr>\n</thead>\n<tbody>\n",
        )
        for row in table.rows:
            self.emit("<tr>")
            for column, cell in enumerate(row):
                lines = "<br>".join(filter(None, (_runs((line,)) for line in cell)))
                classes = ""
                if column == table.level_column:
                    level = "".join(line.text for line in cell).strip()
                    if level in LEVEL_COLOURS:
                        classes = f' class="level level-{_slug(level)}"'
                if column == 0:
                    self.emit(f'<th scope="row"{classes}>{lines}</th>')
                else:
                    self.emit(f"<td{classes}>{lines}</td>")
            self.emit("</tr>\n")
        self.emit("</tbody>\n</table>\n")

    def figure(self, figure: model.Figure, anchor: str | None) -> None:
        data = base64.b64encode(figure.png).decode("ascii")
        size = _png_size(figure.png)
        dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
        alt = figure.alt_text or figure.title
        self.emit(
            "<figure>\n",
            f'<img src="data:image/png;base64,{data}" alt="{_attr(alt)}"{dimensions}>\n',
            f"<figcaption>{_text(figure.caption)}</figcaption>\n</figure>\n",
        )

    def contents(self, contents: model.Contents, anchor: str | None) -> None:
        """A list of links to the headings of `contents.levels`, nested by level."""
        entries = [
            (block.level, block.text, self.ids[index])
            for index, block in enumerate(self.content.blocks)
            if isinstance(block, model.Heading) and block.level in contents.levels
        ]
        heading = self.next_id("contents-title")
        title = contents.title or self.word("contents")
        self.emit(
            f'<nav class="contents" aria-labelledby="{heading}">\n',
            f'<h2 id="{heading}">{_text(title)}</h2>\n',
        )
        self.depth = 2
        self.emit(_nested_list(entries), "</nav>\n")


_WRITERS: Mapping[type, Callable[..., None]] = {
    model.Heading: _Page.heading,
    model.Paragraph: _Page.paragraph,
    model.BulletList: _Page.bullets,
    model.Table: _Page.table,
    model.Figure: _Page.figure,
    model.Contents: _Page.contents,
}


def _nested_list(entries: list[tuple[int, str, str]]) -> str:
    """Entries (level, text, anchor) as nested <ol>s: a deeper level opens a list inside the
    item before it."""
    if not entries:
        return ""
    parts: list[str] = []
    depth: list[int] = []
    for level, text, anchor in entries:
        while depth and level < depth[-1]:
            parts.append("</li>\n</ol>\n")
            depth.pop()
        if depth and level == depth[-1]:
            parts.append("</li>\n")
        elif not depth or level > depth[-1]:
            parts.append("<ol>\n")
            depth.append(level)
        parts.append(f'<li><a href="#{_attr(anchor)}">{_text(text)}</a>')
    parts.extend("</li>\n</ol>\n" for _ in depth)
    return "".join(parts)


def _runs(runs: tuple[model.Text, ...]) -> str:
    """Runs as inline HTML: escaped text, <strong> labels, links only to checked addresses."""
    parts = []
    for run in runs:
        inner = _text(run.text)
        if not inner:
            continue
        address = web_address(run.link) if run.link else None
        if address:
            inner = f'<a href="{_attr(address)}" rel="noopener">{inner}</a>'
        elif run.link and _SIBLING.fullmatch(run.link):
            inner = f'<a href="{_attr(run.link)}">{inner}</a>'
        if run.strong:
            inner = f"<strong>{inner}</strong>"
        if run.lang:
            inner = f'<span lang="{_attr(run.lang)}">{inner}</span>'
        parts.append(inner)
    return "".join(parts)


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _text(value: str) -> str:
    """Text as HTML text: characters no page should hold removed, escaped, line breaks kept."""
    cleaned = INVALID_XML.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return html.escape(cleaned.strip("\n"), quote=False).replace("\n", "<br>")


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _attr(value: str) -> str:
    return html.escape(INVALID_XML.sub("", str(value)).replace("\n", " "), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


def _png_size(png: bytes) -> tuple[int, int] | None:
    """A PNG's pixel size from its header, so the page keeps room for it as it loads."""
    if len(png) < 24 or not png.startswith(b"\x89PNG\r\n\x1a\n") or png[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", png[16:24])


def html_name(docx_name: str) -> str:
    """The page's file name beside its Word report: `kent-equality-report-2025-26.html`."""
    return Path(docx_name).with_suffix(".html").name
