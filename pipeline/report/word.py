"""The Word writer: a `model.Document` laid out on the style template as a python-docx Document.

Every format comes from the template's named styles (see `templates/build_report_template.py`),
so the APCC restyles every report by restyling the template in Word. All python-docx and XML
code of the report lives here. Text is written as escaped plain runs; only `Text.link` becomes a
hyperlink. Editor prompts (`Text.prompt`) are in the Editor Prompt character style: highlighted,
so that nobody publishes one by mistake.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Inches

from pipeline import charts, vocabulary
from pipeline.report import model
from pipeline.report.content import ReportError
from pipeline.report.text import INVALID_XML, plain

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
_NAMESPACES = nsdecls("w", "r")


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


def _empty_document(template: Path | None) -> WordDocument:
    """A fresh copy of the template with its body cleared; sections, header and footer kept."""
    document = docx.Document(io.BytesIO(template_bytes(template)))
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
    document = _empty_document(template)
    out = _Writer(document)
    out.title_page(content.title_page)
    for block in content.blocks:
        if isinstance(block, model.Contents):
            out.contents(block, content.headings(block.levels))
        else:
            out.block(block)
    _ask_to_update_fields(document)
    _properties(document, content.properties)
    _set_language(document, content.properties.language)
    return document


class _Writer:
    """Adds styled blocks to a document; every format comes from a named style.

    Styles are applied by id, looked up once: python-docx's lookup by name scans every style of
    the template on each call, which made a report take seconds.
    """

    def __init__(self, document: WordDocument) -> None:
        self.document = document
        section = document.sections[-1]
        self.width = section.page_width - section.left_margin - section.right_margin
        self.ids = _style_ids(document)

    def style_id(self, name: str) -> str:
        return self.ids[name.lower()]

    def block(self, block: model.Block) -> None:
        if isinstance(block, model.Heading):
            self.paragraph(block.text, f"Heading {block.level}")
        elif isinstance(block, model.Paragraph):
            self.runs(self.paragraph(style=ROLE_STYLES[block.role]), block.runs, block.lang)
        elif isinstance(block, model.BulletList):
            for item in block.items:
                self.runs(self.paragraph(style="List Bullet"), item)
        elif isinstance(block, model.Table):
            self.table(block)
        elif isinstance(block, model.Figure):
            self.figure(block)
        else:
            raise TypeError(f"The Word writer cannot lay out {type(block).__name__}.")

    def title_page(self, page: model.TitlePage) -> None:
        self.paragraph(page.title, "Title")
        self.paragraph(page.subtitle, "Subtitle")
        for field in page.details:
            self.runs(
                self.paragraph(),
                (
                    model.Text(field.label, strong=True),
                    model.Text(" "),
                    model.Text(field.value, prompt=field.prompt),
                ),
            )
        if page.notice_title:
            self.paragraph(page.notice_title, "Draft Notice")
        for block in page.notice:
            self.block(block)

    def paragraph(self, text: str = "", style: str = "Normal"):
        paragraph = self.document.add_paragraph()
        paragraph._p.style = self.style_id(style)
        if text:
            paragraph.add_run(plain(text))
        return paragraph

    def runs(self, paragraph, runs: tuple[model.Text, ...], lang: str | None = None) -> None:
        for run in runs:
            if run.link:
                self.link(paragraph, run.link, run.text, run.lang or lang)
            else:
                self.run(paragraph, run.text, _character_style(run), run.lang or lang)

    def run(self, paragraph, text: str, style: str | None = None, lang: str | None = None):
        run = paragraph.add_run(INVALID_XML.sub("", text))
        if style:
            run._r.style = self.style_id(style)
        if lang:
            language = OxmlElement("w:lang")
            language.set(qn("w:val"), proofing_language(lang))
            run._r.get_or_add_rPr().append(language)
        return run

    def link(self, paragraph, url: str, text: str, lang: str | None = None) -> None:
        """A real hyperlink (an external relationship: a web address, or the name of a file beside
        the report), its run in the Hyperlink character style."""
        r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), r_id)
        hyperlink.append(self.run(paragraph, text, "Hyperlink", lang)._r)
        paragraph._p.append(hyperlink)

    def table(self, table: model.Table) -> None:
        """A data table: header row marked and repeated on every page, no merged cells.

        Level cells get their level's fill; the word itself is the cell's text. `keep_rows`
        stops rows breaking across pages (cantSplit), but for a row too long for one page,
        which must be free to. The XML is written in one go (text escaped): python-docx's cell
        API made reports slow.
        """
        total = sum(table.widths)
        twips = [int(self.width * w / total) // _EMU_PER_TWIP for w in table.widths]
        parts = [
            f"<w:tbl {_NAMESPACES}><w:tblPr>",
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
        for index, cells in enumerate([header, *table.rows]):
            style = self.style_id("Table Heading" if index == 0 else "Table Text")
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
                    parts.append(f'<w:p><w:pPr><w:pStyle w:val="{_attr(style)}"/></w:pPr>')
                    if line.link:
                        r_id = self.document.part.relate_to(
                            line.link, RT.HYPERLINK, is_external=True
                        )
                        parts.append(f'<w:hyperlink r:id="{_attr(r_id)}">')
                        parts.append(_run_xml(line.text, self.style_id("Hyperlink"), line.lang))
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
        self.document.element.body.find(qn("w:sectPr")).addprevious(parse_xml("".join(parts)))

    def figure(self, figure: model.Figure) -> None:
        run = self.paragraph(style="Figure").add_run()
        width = Emu(min(self.width, Inches(charts.WIDTH_INCHES)))
        run.add_picture(io.BytesIO(figure.png), width=width)
        properties = run._r.find(".//" + qn("wp:docPr"))
        properties.set("title", figure.title)
        properties.set("descr", figure.alt_text)
        properties.set("name", figure.title)
        self.paragraph(figure.caption, "Caption")

    def contents(self, contents: model.Contents, headings: list[model.Heading]) -> None:
        """A TOC field Word rebuilds on opening (updateFields); meanwhile it lists the headings."""
        self.paragraph(contents.title, "TOC Heading")
        if not headings:
            return
        paragraphs = [self.paragraph(h.text, f"TOC {h.level}")._p for h in headings]
        first, last = paragraphs[0], paragraphs[-1]
        instruction = OxmlElement("w:r")
        text = OxmlElement("w:instrText")
        text.set(qn("xml:space"), "preserve")
        text.text = f" {TOC_INSTRUCTION} "
        instruction.append(text)
        for offset, run in enumerate((_field_char("begin"), instruction, _field_char("separate"))):
            first.insert(1 + offset, run)
        last.append(_field_char("end"))


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


def _attr(text: object) -> str:
    return escape(INVALID_XML.sub("", str(text)), {'"': "&quot;"})


def proofing_language(lang: str) -> str:
    """Word's language tag for a report language: "en" -> "en-GB", "cy" -> "cy-GB"."""
    return lang if "-" in lang else f"{lang}-GB"


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


def _field_char(kind: str):
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run.append(char)
    return run


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


def _set_title_field(paragraph, title: str) -> None:
    """Show the title in the header's TITLE field until Word refreshes it from the properties."""
    for field in paragraph._p.findall(qn("w:fldSimple")):
        if field.get(qn("w:instr"), "").split()[:1] == ["TITLE"]:
            texts = field.findall(".//" + qn("w:t"))
            if texts:
                texts[0].text = plain(title)
                for extra in texts[1:]:
                    extra.text = ""


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


def _properties(document: WordDocument, given: model.Properties) -> None:
    properties = document.core_properties
    properties.title = given.title
    properties.subject = given.subject
    properties.author = given.author
    properties.last_modified_by = given.author
    properties.language = given.language
    properties.keywords = given.keywords
    properties.category = given.category
    properties.content_status = given.status
    properties.comments = given.comments
    properties.created = given.created
    properties.modified = given.created
    properties.last_printed = given.created
    properties.revision = 1
    for section in document.sections:
        for paragraph in section.header.paragraphs:
            _set_title_field(paragraph, given.title)
