"""Build `templates/report.docx`, the Word style template of every Equality Report.

Run `.venv/bin/python templates/build_report_template.py` to rebuild it. The APCC may then restyle
the .docx in Word (fonts, colours, logo in the header); the generator formats text only through the
named styles below, so restyling the template restyles every report. Styles the generator uses:

- Paragraph: Normal, Title, Subtitle, Heading 1, Heading 2, Heading 3, TOC Heading, TOC 1, TOC 2,
  Quote, List Bullet, Figure (the chart's paragraph), Caption, Draft Notice, Table Heading,
  Table Text.
- Character: Hyperlink, Strong, Editor Prompt (a prompt left for the editor, "[Editor: ...]":
  bold on a yellow highlight, so that none is published by mistake).
- Table: Data Table (borders; its header row is shaded and bold).

Heading 1 starts a new page. The header shows a TITLE field (the report's title, from the document
properties) and the footer "Page N of M"; the first page has neither. Fill colours of level cells
are set by the generator (the level's word is always in the cell, so colour never carries meaning
alone).
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from pipeline import outputs
from pipeline.report import word

FONT = "Arial"
TEXT = RGBColor(0x1A, 0x1A, 0x1A)  # near-black: 17:1 on white
HEADING = RGBColor(0x1F, 0x38, 0x64)  # dark navy: 12:1 on white
LINK = RGBColor(0x0B, 0x5C, 0xAD)  # 6.6:1 on white
DRAFT = RGBColor(0x9C, 0x00, 0x06)  # dark red: 8.6:1 on white
HEADER_FILL = "D9E2F3"  # light blue behind dark bold text
BORDER = "7F7F7F"
LANGUAGE = "en-GB"

TEMPLATE = Path(__file__).resolve().parent / "report.docx"


def build() -> docx.Document:
    """The template document, made from python-docx's default template."""
    document = docx.Document()
    _document_defaults(document)
    _paragraph_styles(document)
    _character_styles(document)
    _table_style(document)
    _page(document)
    _drop_thumbnail(document)
    properties = document.core_properties
    properties.title = "Equality Report"
    properties.subject = "APCC Equality Framework self-assessment"
    properties.author = "Association of Police and Crime Commissioners"
    properties.last_modified_by = properties.author
    properties.language = LANGUAGE
    properties.comments = "Style template of the Equality Report; restyle it in Word."
    properties.keywords = ""
    properties.revision = 1
    return document


def _document_defaults(document: docx.Document) -> None:
    """Arial for every script, en-GB, and no theme fonts left to override it."""
    styles = document.styles.element
    for element in styles.iter():
        fonts = element.find(qn("w:rFonts"))
        if fonts is not None:
            for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
                fonts.attrib.pop(qn(f"w:{attribute}"), None)
        color = element.find(qn("w:color"))
        if color is not None:
            for attribute in ("themeColor", "themeShade", "themeTint"):
                color.attrib.pop(qn(f"w:{attribute}"), None)
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = run_defaults.find(qn("w:rFonts"))
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)
    run_defaults.find(qn("w:sz")).set(qn("w:val"), "24")
    run_defaults.find(qn("w:szCs")).set(qn("w:val"), "24")
    language = run_defaults.find(qn("w:lang"))
    language.set(qn("w:val"), LANGUAGE)
    language.set(qn("w:eastAsia"), LANGUAGE)
    settings = document.settings.element
    theme_language = settings.find(qn("w:themeFontLang"))
    if theme_language is not None:
        theme_language.set(qn("w:val"), LANGUAGE)


def _style(document: docx.Document, name: str, kind=WD_STYLE_TYPE.PARAGRAPH):
    try:
        return document.styles[name]
    except KeyError:
        return document.styles.add_style(name, kind)


def _font(style, size: float, *, bold: bool = False, color: RGBColor = TEXT) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color


def _spacing(style, before: float, after: float, line: float = 1.15) -> None:
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = line
    fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _paragraph_styles(document: docx.Document) -> None:
    normal = document.styles["Normal"]
    _font(normal, 12)
    _spacing(normal, 0, 8)
    normal.paragraph_format.widow_control = True

    title = document.styles["Title"]
    _font(title, 28, bold=True, color=HEADING)
    _spacing(title, 96, 12, 1.0)
    subtitle = document.styles["Subtitle"]
    numbering = subtitle.element.pPr.find(qn("w:numPr"))
    if numbering is not None:
        subtitle.element.pPr.remove(numbering)
    _font(subtitle, 18, color=HEADING)
    _spacing(subtitle, 0, 24, 1.0)

    for level, (size, before, after) in enumerate(((20, 0, 12), (16, 14, 6), (13, 10, 4)), 1):
        heading = document.styles[f"Heading {level}"]
        _font(heading, size, bold=True, color=HEADING)
        _spacing(heading, before, after, 1.0)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.page_break_before = level == 1

    toc_heading = document.styles["TOC Heading"]
    toc_heading.base_style = document.styles["Heading 1"]
    _font(toc_heading, 20, bold=True, color=HEADING)
    for level in (1, 2):
        entry = _style(document, f"TOC {level}")
        entry.base_style = normal
        _font(entry, 12, bold=level == 1)
        _spacing(entry, 4 if level == 1 else 0, 0, 1.0)
        entry.paragraph_format.left_indent = Cm(0.6 * (level - 1))

    quote = document.styles["Quote"]
    _font(quote, 12)
    _spacing(quote, 0, 8)
    quote.paragraph_format.left_indent = Cm(0.6)
    quote.font.italic = False
    left_border = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="18" w:space="8" '
        f'w:color="{HEADER_FILL}"/></w:pBdr>'
    )
    quote.element.get_or_add_pPr().insert_element_before(
        left_border, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:outlineLvl"
    )

    bullet = document.styles["List Bullet"]
    _font(bullet, 12)
    _spacing(bullet, 0, 4)

    figure = _style(document, "Figure")
    figure.base_style = normal
    _spacing(figure, 12, 4, 1.0)
    figure.paragraph_format.keep_with_next = True

    caption = document.styles["Caption"]
    _font(caption, 12, bold=True, color=TEXT)
    _spacing(caption, 4, 8)

    draft = _style(document, "Draft Notice")
    draft.base_style = normal
    _font(draft, 14, bold=True, color=DRAFT)
    _spacing(draft, 24, 8)

    for name, bold in (("Table Heading", True), ("Table Text", False)):
        cell = _style(document, name)
        cell.base_style = normal
        _font(cell, 12, bold=bold)
        _spacing(cell, 1, 1, 1.0)


def _character_styles(document: docx.Document) -> None:
    link = _style(document, "Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = LINK
    link.font.underline = True
    document.styles["Strong"].font.bold = True
    word.format_prompt_style(_style(document, "Editor Prompt", WD_STYLE_TYPE.CHARACTER))


def _table_style(document: docx.Document) -> None:
    """Data Table: thin grey borders; the header row shaded and bold."""
    style = _style(document, "Data Table", WD_STYLE_TYPE.TABLE)
    style.base_style = document.styles["Table Grid"]
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    style.element.append(
        parse_xml(
            f"<w:tblPr {nsdecls('w')}><w:tblBorders>{borders}</w:tblBorders>"
            '<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
            '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>'
            "</w:tblPr>"
        )
    )
    style.element.append(
        parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
            f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr>'
            "</w:tblStylePr>"
        )
    )


def _drop_thumbnail(document: docx.Document) -> None:
    """The default template's preview image shows a page that is not this one."""
    relationships = document.part.package.rels
    for r_id, relationship in list(relationships.items()):
        if relationship.reltype.endswith("/metadata/thumbnail"):
            relationships.pop(r_id)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    """A simple field (TITLE, PAGE, NUMPAGES) with the text shown until it is updated."""
    paragraph._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} "><w:r><w:t>{placeholder}'
            "</w:t></w:r></w:fldSimple>"
        )
    )


def _page(document: docx.Document) -> None:
    """A4 portrait, 2 cm margins; header and footer on every page but the first."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.header_distance = section.footer_distance = Cm(1.25)
    section.different_first_page_header_footer = True

    header = section.header.paragraphs[0]
    header.style = document.styles["Header"]
    _field(header, "TITLE", "Equality Report")
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Footer"]
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")
    for name in ("Header", "Footer"):
        style = document.styles[name]
        _font(style, 12, color=TEXT)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT


if __name__ == "__main__":
    # Fixed zip times: rebuilding an unchanged template gives the same bytes.
    print(outputs.save_document(build(), TEMPLATE))
