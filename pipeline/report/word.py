"""The Word writer: a `model.Document` laid out on the style template as a python-docx Document.

Every format comes from the template's named styles (see `templates/build_report_template.py`),
so the APCC restyles every report by restyling the template in Word. All python-docx and XML
code of the report lives here. Text is written as escaped plain runs; only `Text.link` becomes a
hyperlink. Editor prompts (`Text.prompt`) are in the Editor Prompt character style: highlighted,
so that nobody publishes one by mistake.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_COLOR_INDEX
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Inches
from PIL import Image as PILImage

from pipeline import charts, marks, outputs, vocabulary
from pipeline.report import model
from pipeline.report.content import ReportError
from pipeline.report.text import INVALID_XML, TEXTS_REMEMBERED, plain

_PACKAGE = Path(__file__).resolve().parent.parent
#: templates/report.docx: installed as pipeline/templates/ (pyproject.toml maps the folder as
#: package data), or beside the pipeline folder in a source checkout or an editable install.
DEFAULT_TEMPLATE = next(
    (
        path
        for path in (
            _PACKAGE / "templates" / "report.docx",
            _PACKAGE.parent / "templates" / "report.docx",
        )
        if path.is_file()
    ),
    _PACKAGE.parent / "templates" / "report.docx",
)
#: The contents field; `\o "1-2"` matches `model.Contents.levels` of the report.
TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'

PARAGRAPH_STYLES = (
    "Normal",
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "TOC Heading",
    "TOC 1",
    "TOC 2",
    "Quote",
    "List Bullet",
    "Caption",
    "Figure",
    "Draft Notice",
    "Table Heading",
    "Table Text",
)
CHARACTER_STYLES = ("Hyperlink", "Strong", "Editor Prompt")
#: Styles a template made before they existed may lack: the writer then adds them itself.
ADDED_STYLES = ("Editor Prompt",)
PROMPT_STYLE = "Editor Prompt"
TABLE_STYLE = "Data Table"
#: The paragraph style of each `model.Paragraph` role.
ROLE_STYLES = {"body": "Normal", "quote": "Quote"}

_EMU_PER_TWIP = 635


# --- the template ---------------------------------------------------------------------------------


def template_bytes(template: Path | None = None) -> bytes:
    """The template's bytes, read once per file version and checked for the styles we use."""
    path = Path(template) if template else DEFAULT_TEMPLATE
    try:
        stat = path.stat()
    except OSError as exc:
        raise ReportError(
            f"{path}: the report template was not found. Pass --template with a .docx made from "
            "templates/report.docx."
        ) from exc
    return _checked_template(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _checked_template(path: Path, _mtime: int, _size: int) -> bytes:
    data = path.read_bytes()
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a file that is not a .docx
        raise ReportError(
            f"{path}: not a Word document (.docx) that can be read ({exc}). Save the template "
            "in Word as 'Word Document (*.docx)'."
        ) from exc
    names = _style_ids(document)
    missing = [
        name
        for name in (*PARAGRAPH_STYLES, *CHARACTER_STYLES, TABLE_STYLE)
        if name.lower() not in names and name not in ADDED_STYLES
    ]
    if missing:
        raise ReportError(
            f"{path}: the template has no style named {', '.join(repr(m) for m in missing)}. "
            "Restyle templates/report.docx rather than starting from a blank document, and keep "
            "the style names (change how a style looks, not what it is called)."
        )
    return data


def _style_ids(document: WordDocument) -> dict[str, str]:
    """Style name in lower case -> style id: Word saves some built-in names so ("toc 1")."""
    return {style.name.lower(): style.style_id for style in document.styles}


def _empty_document(data: bytes) -> WordDocument:
    """A fresh copy of the template with its body cleared; sections, header and footer kept."""
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    if PROMPT_STYLE.lower() not in _style_ids(document):
        _add_prompt_style(document)
    return document


def _add_prompt_style(document: WordDocument) -> None:
    """Editor Prompt as templates/report.docx has it, for a template restyled before it had one."""
    format_prompt_style(document.styles.add_style(PROMPT_STYLE, WD_STYLE_TYPE.CHARACTER))


def format_prompt_style(style) -> None:
    """Bold on yellow: a highlight for Word, and the same yellow as shading, which LibreOffice
    shows (it ignores a highlight set in a style). Near-black on yellow is 15:1."""
    style.font.bold = True
    style.font.highlight_color = WD_COLOR_INDEX.YELLOW
    properties = style.element.get_or_add_rPr()
    for old in properties.findall(qn("w:shd")):
        properties.remove(old)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "FFFF00")
    properties.insert_element_before(
        shading, "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang"
    )


# --- rendering ------------------------------------------------------------------------------------


def render(content: model.Document, template: Path | None = None) -> WordDocument:
    """The report as a python-docx Document on `template` (default DEFAULT_TEMPLATE), not saved."""
    return docx.Document(io.BytesIO(document_bytes(content, template)))


def document_bytes(
    content: model.Document, template: Path | None = None, *, demo: bool = False
) -> bytes:
    """The report as the bytes of a .docx on `template`, repeatable (fixed zip times).

    The body is written as XML text straight from the content, and the template's other parts
    are taken as python-docx saved them once (`_skeleton`): the same document python-docx would
    make block by block, at a fraction of the cost. `demo`: DEMO before the title and in the
    running header, and the DEMO banner under the title (as `marks` does to a workbook).
    """
    skeleton = _skeleton(template_bytes(template), content.properties.language)
    out = _Writer(skeleton)
    out.title_page(content.title_page, demo=demo)
    for block in content.blocks:
        if isinstance(block, model.Contents):
            out.contents(block, content.headings(block.levels))
        else:
            out.block(block)
    return skeleton.package(out, content.properties, demo=demo)


class _Writer:
    """Writes the body of a report as WordprocessingML text; every format is a named style.

    It writes what python-docx writes for the same calls (a paragraph per `add_paragraph`, a
    run per `add_run`, tabs and line breaks as Word's own marks), so that the document is the
    one the style template and the tests know; text is escaped, never markup.
    """

    def __init__(self, skeleton: _Skeleton) -> None:
        self.skeleton = skeleton
        self.ids = skeleton.ids
        self.width = skeleton.width
        self.parts: list[str] = []
        self.rels = skeleton.relationships()

    def style_id(self, name: str) -> str:
        return self.ids[name.lower()]

    def block(self, block: model.Block) -> None:
        if isinstance(block, model.Heading):
            self.paragraph(block.text, f"Heading {block.level}")
        elif isinstance(block, model.Paragraph):
            self.parts.append(
                self._paragraph(ROLE_STYLES[block.role], self.runs(block.runs, block.lang))
            )
        elif isinstance(block, model.BulletList):
            for item in block.items:
                self.parts.append(self._paragraph("List Bullet", self.runs(item)))
        elif isinstance(block, model.Table):
            self.table(block)
        elif isinstance(block, model.Figure):
            self.figure(block)
        else:
            raise TypeError(f"The Word writer cannot lay out {type(block).__name__}.")

    def title_page(self, page: model.TitlePage, *, demo: bool = False) -> None:
        title = plain(page.title)
        if demo and title:
            self.paragraph(marks.PREFIX + title, "Title")
            banner = _docx_run(marks.BANNER)
            if "Draft Notice" in self.skeleton.names:
                self.parts.append(self._paragraph("Draft Notice", banner))
            else:
                self.parts.append(f"<w:p>{banner}</w:p>")
        else:
            self.paragraph(page.title, "Title")
        self.paragraph(page.subtitle, "Subtitle")
        for field in page.details:
            runs = (
                model.Text(field.label, strong=True),
                model.Text(" "),
                model.Text(field.value, prompt=field.prompt),
            )
            self.parts.append(self._paragraph("Normal", self.runs(runs)))
        if page.notice_title:
            self.paragraph(page.notice_title, "Draft Notice")
        for block in page.notice:
            self.block(block)

    def _paragraph(self, style: str, inner: str = "") -> str:
        style_id = _xml_attr(self.style_id(style))
        return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>{inner}</w:p>'

    def paragraph(self, text: str = "", style: str = "Normal") -> None:
        words = plain(text)
        self.parts.append(self._paragraph(style, _docx_run(words) if words else ""))

    def runs(self, runs: tuple[model.Text, ...], lang: str | None = None) -> str:
        parts = []
        for run in runs:
            if run.link:
                r_id = self.rels.external(RT.HYPERLINK, run.link)
                inner = _docx_run(
                    INVALID_XML.sub("", run.text), self.style_id("Hyperlink"), run.lang or lang
                )
                parts.append(f'<w:hyperlink r:id="{_xml_attr(r_id)}">{inner}</w:hyperlink>')
            else:
                style = _character_style(run)
                parts.append(
                    _docx_run(
                        INVALID_XML.sub("", run.text),
                        self.style_id(style) if style else None,
                        run.lang or lang,
                    )
                )
        return "".join(parts)

    def table(self, table: model.Table) -> None:
        """A data table: header row marked and repeated on every page, no merged cells.

        Level cells get their level's fill; the word itself is the cell's text. `keep_rows`
        stops rows breaking across pages (cantSplit), but for a row too long for one page,
        which must be free to.
        """
        total = sum(table.widths)
        twips = [int(self.width * w / total) // _EMU_PER_TWIP for w in table.widths]
        parts = [
            "<w:tbl><w:tblPr>",
            f'<w:tblStyle w:val="{_attr(self.style_id(TABLE_STYLE))}"/>',
            '<w:tblW w:w="0" w:type="auto"/><w:tblLayout w:type="fixed"/>',
            '<w:tblLook w:val="0620" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
            'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>',
            f'<w:tblCaption w:val="{_attr(table.caption)}"/>',
            f'<w:tblDescription w:val="{_attr(table.description)}"/></w:tblPr><w:tblGrid>',
            *(f'<w:gridCol w:w="{width}"/>' for width in twips),
            "</w:tblGrid>",
        ]
        header = tuple((model.Text(label),) for label in table.header)
        hyperlink = self.style_id("Hyperlink")
        for index, cells in enumerate([header, *table.rows]):
            style = _attr(self.style_id("Table Heading" if index == 0 else "Table Text"))
            keep = index == 0 or (table.keep_rows and _fits_a_page(cells, twips))
            row_properties = "<w:cantSplit/>" if keep else ""
            if index == 0:
                row_properties += "<w:tblHeader/>"
            parts.append(f"<w:tr><w:trPr>{row_properties}</w:trPr>")
            for column, (width, cell) in enumerate(zip(twips, cells, strict=True)):
                fill = (
                    vocabulary.LEVEL_FILLS.get(plain("".join(t.text for t in cell)))
                    if index and column == table.level_column
                    else None
                )
                shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
                parts.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}</w:tcPr>')
                for line in cell:
                    parts.append(f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>')
                    if line.link:
                        r_id = self.rels.external(RT.HYPERLINK, line.link)
                        parts.append(f'<w:hyperlink r:id="{_attr(r_id)}">')
                        parts.append(_run_xml(line.text, hyperlink, line.lang))
                        parts.append("</w:hyperlink>")
                    else:
                        style_name = _character_style(line)
                        parts.append(
                            _run_xml(
                                line.text,
                                self.style_id(style_name) if style_name else None,
                                line.lang,
                            )
                        )
                    parts.append("</w:p>")
                parts.append("</w:tc>")
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        self.parts.append("".join(parts))

    def figure(self, figure: model.Figure) -> None:
        """The chart inline, as python-docx's `add_picture` writes it, with its title and alt
        text on the drawing's properties, then its caption."""
        width = Emu(min(self.width, Inches(charts.WIDTH_INCHES)))
        cx, cy = Image.from_blob(figure.png).scaled_dimensions(width, None)
        r_id = self.rels.image(figure.png)
        shape = self.rels.next_shape_id()
        drawing = (
            f'<w:r><w:drawing><wp:inline xmlns:a="{_A}" xmlns:pic="{_PIC}">'
            f'<wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{shape}" name="{_xml_attr(figure.title)}" '
            f'title="{_xml_attr(figure.title)}" descr="{_xml_attr(figure.alt_text)}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/>'
            f'</wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="{_PIC}"><pic:pic>'
            '<pic:nvPicPr><pic:cNvPr id="0" name="image.png"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{r_id}"/><a:stretch><a:fillRect/></a:stretch>'
            '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
            f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr>'
            "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
        )
        self.parts.append(self._paragraph("Figure", drawing))
        self.paragraph(figure.caption, "Caption")

    def contents(self, contents: model.Contents, headings: list[model.Heading]) -> None:
        """A TOC field Word rebuilds on opening (updateFields); meanwhile it lists the headings."""
        self.paragraph(contents.title, "TOC Heading")
        if not headings:
            return
        begin = (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
            f"{_xml_text(f' {TOC_INSTRUCTION} ')}</w:instrText></w:r>"
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        )
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        last = len(headings) - 1
        for index, heading in enumerate(headings):
            words = plain(heading.text)
            inner = (begin if index == 0 else "") + (_docx_run(words) if words else "")
            self.parts.append(
                self._paragraph(f"TOC {heading.level}", inner + (end if index == last else ""))
            )


_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
#: The prefixes the body is written with, which the template's document element must declare.
_BODY_NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
}


def _xml_text(text: str) -> str:
    """Text as lxml writes an element's text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: object) -> str:
    """A value as lxml writes an attribute set from Python."""
    return (
        _xml_text(INVALID_XML.sub("", str(text)))
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


_RUN_BREAKS = re.compile(r"([\t\r\n])")


def _docx_run(text: str, style_id: str | None = None, lang: str | None = None) -> str:
    """A run as python-docx's `add_run(text)` writes it (then its style and language): one
    w:t per stretch of text, a w:tab per tab, a w:br per line-feed or carriage return."""
    style = f'<w:rStyle w:val="{_xml_attr(style_id)}"/>' if style_id else ""
    language = f'<w:lang w:val="{_xml_attr(proofing_language(lang))}"/>' if lang else ""
    properties = f"<w:rPr>{style}{language}</w:rPr>" if style or language else ""
    pieces = []
    for piece in _RUN_BREAKS.split(text) if text else ():
        if piece == "\t":
            pieces.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            pieces.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            pieces.append(f"<w:t{space}>{_xml_text(piece)}</w:t>")
    if not properties and not pieces:
        return "<w:r/>"
    return f"<w:r>{properties}{''.join(pieces)}</w:r>"


def _character_style(run: model.Text) -> str | None:
    if run.prompt:
        return PROMPT_STYLE
    return "Strong" if run.strong else None


#: About how many lines of table text fit on a page, and how wide a character is (twips).
_LINES_PER_PAGE = 40
_TWIPS_PER_CHARACTER = 125


def _fits_a_page(cells: tuple[model.Cell, ...], twips: list[int]) -> bool:
    """Whether the row's longest cell would fit on one page (a generous estimate)."""
    for cell, width in zip(cells, twips, strict=True):
        per_line = max(1, (width - 216) // _TWIPS_PER_CHARACTER)
        lines = sum(
            -(-max(len(piece), 1) // per_line)
            for run in cell
            for piece in re.split(r"\r\n|\r|\n", run.text)
        )
        if lines > _LINES_PER_PAGE:
            return False
    return True


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _attr(text: object) -> str:
    """An attribute value of a table's XML, as parsing and writing it again leaves it: line
    breaks and tabs become spaces (XML's attribute-value normalisation)."""
    value = re.sub(r"\r\n?|[\n\t]", " ", INVALID_XML.sub("", str(text)))
    return escape(value, {'"': "&quot;"})


def proofing_language(lang: str) -> str:
    """Word's language tag for a report language: "en" -> "en-GB", "cy" -> "cy-GB"."""
    return lang if "-" in lang else f"{lang}-GB"


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _run_xml(text: str, style_id: str | None = None, lang: str | None = None) -> str:
    """A run holding `text` as plain text: escaped, line breaks and tabs as Word's own marks;
    `lang` marks the run's proofing language when it is not the document's."""
    value = INVALID_XML.sub("", text)
    if not value:
        return ""
    style = f'<w:rStyle w:val="{_attr(style_id)}"/>' if style_id else ""
    language = f'<w:lang w:val="{_attr(proofing_language(lang))}"/>' if lang else ""
    properties = f"<w:rPr>{style}{language}</w:rPr>" if style or language else ""
    lines = [
        "<w:tab/>".join(
            f'<w:t xml:space="preserve">{escape(piece)}</w:t>' for piece in line.split("\t")
        )
        for line in re.split(r"\r\n|\r|\n", value)
    ]
    return f"<w:r>{properties}{'<w:br/>'.join(lines)}</w:r>"


# What may follow w:updateFields in settings.xml: Word rejects the elements out of schema order.
_AFTER_UPDATE_FIELDS = {
    qn(tag)
    for tag in (
        "w:hdrShapeDefaults",
        "w:footnotePr",
        "w:endnotePr",
        "w:compat",
        "w:docVars",
        "w:rsids",
        "m:mathPr",
        "w:attachedSchema",
        "w:themeFontLang",
        "w:clrSchemeMapping",
        "w:doNotIncludeSubdocsInStats",
        "w:doNotAutoCompressPictures",
        "w:forceUpgrade",
        "w:captions",
        "w:readModeInkLockDown",
        "w:smartTagType",
        "sl:schemaLibrary",
        "w:shapeDefaults",
        "w:doNotEmbedSmartTags",
        "w:decimalSymbol",
        "w:listSeparator",
    )
}


def _ask_to_update_fields(document: WordDocument) -> None:
    """Set w:updateFields, so that Word refreshes the contents (and page numbers) on opening."""
    settings = document.settings.element
    update = settings.find(qn("w:updateFields"))
    if update is None:
        update = OxmlElement("w:updateFields")
        following = [child for child in settings if child.tag in _AFTER_UPDATE_FIELDS]
        if following:
            following[0].addprevious(update)
        else:
            settings.append(update)
    update.set(qn("w:val"), "true")


def _set_title_fields(paragraphs, title: str) -> bool:
    """Show `title` in each TITLE field of these w:p elements until Word refreshes it from the
    properties; whether there was one."""
    found = False
    for paragraph in paragraphs:
        for field in paragraph.findall(qn("w:fldSimple")):
            if field.get(qn("w:instr"), "").split()[:1] == ["TITLE"]:
                texts = field.findall(".//" + qn("w:t"))
                if texts:
                    texts[0].text = title
                    for extra in texts[1:]:
                        extra.text = ""
                found = True
    return found


def _set_language(document: WordDocument, tag: str) -> None:
    """Make `tag` (en-GB, cy-GB) the language of the whole document: the default run language
    in the styles, every style that sets one, and the theme fonts' language in the settings."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    run_default = defaults.find(qn("w:rPrDefault"))
    if run_default is None:
        run_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_default)
    properties = run_default.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_default.append(properties)
    if properties.find(qn("w:lang")) is None:
        properties.append(OxmlElement("w:lang"))
    for language in styles.iter(qn("w:lang")):
        language.set(qn("w:val"), tag)
    theme = document.settings.element.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:val"), tag)


def _set_properties(properties: CoreProperties, given: model.Properties, demo: bool) -> None:
    properties.title = (marks.PREFIX if demo else "") + given.title
    properties.subject = given.subject
    properties.author = given.author
    properties.last_modified_by = given.author
    properties.language = given.language
    properties.keywords = given.keywords
    properties.category = given.category
    properties.content_status = marks.DEMO if demo else given.status
    properties.comments = given.comments
    properties.created = given.created
    properties.modified = given.created
    properties.last_printed = given.created
    properties.revision = 1


# --- the package ----------------------------------------------------------------------------------

#: Written before the body's closing, to find where the body goes in the saved template.
_MARK = "equality-report-body"


@dataclass(frozen=True)
class _Skeleton:
    """The template as python-docx saves it with an empty body, in the report's language: every
    zip entry in order, and what changes from one report to the next."""

    entries: tuple[tuple[str, bytes], ...]
    #: The document part's XML before and after its body, and its relationships part.
    document: str
    before_body: str
    after_body: str
    rels: str
    rels_xml: str
    #: (type, target, external) -> rId of the document part's relationships.
    rel_ids: dict
    core: str
    #: Each section's header part, and whether it is linked to the previous section's.
    headers: tuple[tuple[str, bool], ...]
    #: [Content_Types].xml with PNG images, where the first image goes, free image numbers.
    content_types: str
    content_types_png: bytes
    image_at: int
    image_numbers: tuple[int, ...]
    ids: dict[str, str]
    names: frozenset[str]
    width: int

    @cached_property
    def unchanging(self) -> frozenset[str]:
        """The entries no report changes (styles, theme, fonts...): deflated once a batch."""
        varying = {self.document, self.rels, self.core, self.content_types}
        return frozenset(name for name, _ in self.entries) - varying - dict(self.headers).keys()

    def relationships(self) -> _Relationships:
        return _Relationships(self)

    def package(self, out: _Writer, given: model.Properties, *, demo: bool) -> bytes:
        """The .docx of a report whose body `out` wrote."""
        replaced = {self.document: (self.before_body + "".join(out.parts) + self.after_body)}
        replaced[self.rels] = self.rels_xml.replace(
            "</Relationships>", "".join(out.rels.added) + "</Relationships>"
        )
        core = parse_xml(dict(self.entries)[self.core])
        _set_properties(CoreProperties(core), given, demo)
        replaced[self.core] = serialize_part_xml(core)
        title = (marks.PREFIX + given.title) if demo else plain(given.title)
        for name in dict.fromkeys(name for name, _ in self.headers):
            header = parse_xml(dict(self.entries)[name])
            found = _set_title_fields(header.findall(qn("w:p")), title)
            if demo and not found and not dict(self.headers)[name]:
                paragraph = OxmlElement("w:p")
                run = OxmlElement("w:r")
                text = OxmlElement("w:t")
                text.text = f"{marks.DEMO}: invented returns, not a real report"
                run.append(text)
                paragraph.append(run)
                header.append(paragraph)
            replaced[name] = serialize_part_xml(header)
        images = out.rels.images
        if images:
            replaced[self.content_types] = self.content_types_png
        entries = [(name, replaced.get(name, data)) for name, data in self.entries]
        entries[self.image_at : self.image_at] = images
        return outputs.office_zip(entries, unchanging=self.unchanging - replaced.keys())


class _Relationships:
    """The relationships a report adds to the document part, numbered as python-docx numbers
    them (the lowest free rId), one per target."""

    def __init__(self, skeleton: _Skeleton) -> None:
        self.skeleton = skeleton
        self.ids = dict(skeleton.rel_ids)
        self.used = set(self.ids.values())
        self.added: list[str] = []
        self.images: list[tuple[str, bytes]] = []
        self.by_digest: dict[str, str] = {}
        self.shapes = 0

    def _new(self, key: tuple[str, str, bool]) -> str:
        number = 1
        while f"rId{number}" in self.used:
            number += 1
        r_id = f"rId{number}"
        self.used.add(r_id)
        self.ids[key] = r_id
        kind, target, external = key
        mode = ' TargetMode="External"' if external else ""
        self.added.append(
            f'<Relationship Id="{r_id}" Type="{_xml_attr(kind)}" Target="{_xml_attr(target)}"'
            f"{mode}/>"
        )
        return r_id

    def external(self, kind: str, target: str) -> str:
        key = (kind, target, True)
        return self.ids.get(key) or self._new(key)

    def image(self, png: bytes) -> str:
        digest = hashlib.sha1(png).hexdigest()
        if digest not in self.by_digest:
            number = self.skeleton.image_numbers[len(self.images)]
            name = f"word/media/image{number}.png"
            self.images.append((name, png))
            self.by_digest[digest] = self._new((RT.IMAGE, name.removeprefix("word/"), False))
        return self.by_digest[digest]

    def next_shape_id(self) -> int:
        self.shapes += 1
        return self.shapes


@lru_cache(maxsize=8)
def _skeleton(data: bytes, language: str) -> _Skeleton:
    """Open the template once, clear its body, add what it lacks and save it as python-docx
    would save each report; then the same with one picture, to learn where images go."""
    saved, document = _saved_skeleton(data, language, picture=False)
    with_picture, _ = _saved_skeleton(data, language, picture=True)
    names = [name for name, _ in saved]
    part = document.part
    document_name = part.partname.lstrip("/")
    rels_name = part.partname.rels_uri.lstrip("/")
    text = dict(saved)[document_name].decode("utf-8")
    marker = f'<w:bookmarkStart w:name="{_MARK}"/>'
    before, after = text.split(marker)
    start_tag = before[: before.index(">", before.index("<w:document")) + 1]
    for prefix, uri in _BODY_NAMESPACES.items():
        declared = re.search(rf'xmlns:{prefix}="([^"]*)"', start_tag)
        if declared is None:
            before = before.replace(start_tag, start_tag[:-1] + f' xmlns:{prefix}="{uri}">', 1)
            start_tag = before[: before.index(">", before.index("<w:document")) + 1]
        elif declared.group(1) != uri:
            raise ReportError(
                f"The report template's document binds the prefix {prefix!r} to {declared.group(1)}"
                ": save it again in Word."
            )
    picture_names = [name for name, _ in with_picture]
    image_at = next(i for i, name in enumerate(picture_names) if name not in names)
    used = {p.partname.idx for p in part.package.image_parts}
    free = tuple(n for n in range(1, len(used) + 8) if n not in used)
    rel_ids = {
        (rel.reltype, rel.target_ref, rel.is_external): rel.rId for rel in part.rels.values()
    }
    section = document.sections[-1]
    headers = tuple(
        (s.header.part.partname.lstrip("/"), s.header.is_linked_to_previous)
        for s in document.sections
    )
    return _Skeleton(
        entries=tuple(saved),
        document=document_name,
        before_body=before,
        after_body=after,
        rels=rels_name,
        rels_xml=dict(saved)[rels_name].decode("utf-8"),
        rel_ids=rel_ids,
        core=part.package.part_related_by(RT.CORE_PROPERTIES).partname.lstrip("/"),
        headers=headers,
        content_types="[Content_Types].xml",
        content_types_png=dict(with_picture)["[Content_Types].xml"],
        image_at=image_at,
        image_numbers=free,
        ids=_style_ids(document),
        names=frozenset(style.name for style in document.styles),
        width=int(section.page_width - section.left_margin - section.right_margin),
    )


def _saved_skeleton(data: bytes, language: str, *, picture: bool):
    """The template with an empty body (a marker where the body goes), as saved: its entries."""
    document = _empty_document(data)
    _ask_to_update_fields(document)
    _set_language(document, language)
    document.core_properties  # noqa: B018 (python-docx adds the part if the template lacks it)
    for section in document.sections:
        section.header.paragraphs  # noqa: B018 (python-docx adds a header a section lacks)
    body = document.element.body
    marker = OxmlElement("w:bookmarkStart")
    marker.set(qn("w:name"), _MARK)
    end = body.find(qn("w:sectPr"))
    if end is None:
        body.append(marker)
    else:
        end.addprevious(marker)
    if picture:
        pixel = io.BytesIO()
        PILImage.new("RGB", (1, 1)).save(pixel, format="png")
        document.add_paragraph().add_run().add_picture(pixel)
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return [(name, package.read(name)) for name in package.namelist()], document
