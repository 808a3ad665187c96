"""Each OPCC's annual Equality Report: an editable, accessible Word document on a style template.

The generator formats only through the template's named styles (see
`templates/build_report_template.py`), so the APCC restyles every report by restyling the template
in Word. Levels come from `scoring`; this module only lays them out. Text from a return goes in as
escaped plain runs and never becomes a field, a hyperlink or markup, except for http(s) evidence
links, which become real links whose text says where they go.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import docx
import pandas as pd
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Inches

from pipeline import __version__, charts, layout, manifest, outputs, scoring
from pipeline.framework import LEVEL_LADDER, LEVELS, NOT_YET, Framework
from pipeline.returns import Return

DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "report.docx"
REPORT_NAME = "{code}-equality-report-{year}.docx"
LANGUAGE = "en-GB"
#: Only headings 1-2 go in the contents: level 3 repeats the same few words in every theme.
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
CHARACTER_STYLES = ("Hyperlink", "Strong")
TABLE_STYLE = "Data Table"

NOT_ASSESSED = "Not assessed"
# Characters XML 1.0 cannot hold; ingest drops them, but a report must never fail to save.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_EMU_PER_TWIP = 635
_NAMESPACES = nsdecls("w", "r")


class ReportError(ValueError):
    """A report that cannot be built as asked (e.g. a template without the styles it needs)."""


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one OPCC's report; `path` is where the new report is."""

    code: str
    path: Path
    status: manifest.Status
    message: str


def report_name(code: str, year: str) -> str:
    """`<code>-equality-report-<year>.docx`, safe as a file name whatever the inputs hold."""
    safe_year = year if layout.is_valid_year(year) else outputs.safe_name(year, "year")
    return REPORT_NAME.format(code=outputs.safe_name(code, "opcc"), year=safe_year)


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
        if name.lower() not in names
    ]
    if missing:
        raise ReportError(
            f"{path}: the template has no style named {', '.join(repr(m) for m in missing)}. "
            "Restyle templates/report.docx rather than starting from a blank document, and keep "
            "the style names (change how a style looks, not what it is called)."
        )
    return data


def _style_ids(document: Document) -> dict[str, str]:
    """Style name in lower case -> style id: Word saves some built-in names so ("toc 1")."""
    return {style.name.lower(): style.style_id for style in document.styles}


def _empty_document(template: Path | None) -> Document:
    """A fresh copy of the template with its body cleared; sections, header and footer kept."""
    document = docx.Document(io.BytesIO(template_bytes(template)))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document


# --- plain text -----------------------------------------------------------------------------------


def plain(value: object) -> str:
    """A value from a return as display text, trimmed: blank for missing, dates '1 April 2026'."""
    return _text(value).strip()


def _text(value: object) -> str:
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _INVALID_XML.sub("", str(value))


def web_address(text: str) -> str | None:
    """The text as an http(s) address we may link to, or None (then it stays plain text)."""
    candidate = plain(text)
    if not candidate or any(ch.isspace() or ord(ch) < 32 for ch in candidate):
        return None
    if any(ch in candidate for ch in "<>\"'\\{}|^`"):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return candidate


def link_text(url: str, label: str) -> str:
    """Link text that says where the link goes: 'Evidence for 3.2.b (example.gov.uk/equality)'."""
    parts = urlsplit(url)
    where = (parts.hostname or "") + parts.path.rstrip("/")
    if len(where) > 60:
        where = where[:59] + "…"
    return f"{label} ({where})"


def _addresses(text: object) -> list[str]:
    return [token for token in re.split(r"[\s,;]+", plain(text)) if token]


# --- the national picture -------------------------------------------------------------------------


def national_position(themes: pd.DataFrame, code: str) -> pd.DataFrame:
    """Per theme: this OPCC's level against every return in `themes` (the run's `Scores.themes`).

    Columns: theme, theme_title, level, level_rank, median_rank, median_level, at_or_above
    (returns at this OPCC's level or higher), returns, position ("above", "at", "below").
    """
    ranks = themes.pivot_table(
        index="opcc_code", columns="theme", values="level_rank", aggfunc="first"
    )
    mine = ranks.loc[code]
    median = ranks.median()
    titles = themes.drop_duplicates("theme").set_index("theme")["theme_title"]
    frame = pd.DataFrame(
        {
            "theme": ranks.columns,
            "theme_title": titles.reindex(ranks.columns).to_numpy(),
            "level_rank": mine.astype(int).to_numpy(),
            "median_rank": median.to_numpy(),
            "at_or_above": ranks.ge(mine, axis=1).sum().astype(int).to_numpy(),
            "returns": ranks.notna().sum().astype(int).to_numpy(),
        }
    )
    frame["level"] = [LEVEL_LADDER[rank] for rank in frame["level_rank"]]
    frame["median_level"] = [_median_level(rank) for rank in frame["median_rank"]]
    difference = frame["level_rank"] - frame["median_rank"]
    frame["position"] = ["above" if d > 0 else "below" if d < 0 else "at" for d in difference]
    return frame[
        [
            "theme",
            "theme_title",
            "level",
            "level_rank",
            "median_rank",
            "median_level",
            "at_or_above",
            "returns",
            "position",
        ]
    ]


def _median_level(rank: float) -> str:
    if float(rank).is_integer():
        return LEVEL_LADDER[int(rank)]
    return f"Between {LEVEL_LADDER[math.floor(rank)]} and {LEVEL_LADDER[math.ceil(rank)]}"


# --- the document ---------------------------------------------------------------------------------


class _Writer:
    """Adds styled blocks to a document; every format comes from a named style.

    Styles are applied by id, looked up once: python-docx's lookup by name scans every style of
    the template on each call, which made a report take seconds.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        section = document.sections[-1]
        self.width = section.page_width - section.left_margin - section.right_margin
        self.ids = _style_ids(document)

    def style_id(self, name: str) -> str:
        return self.ids[name.lower()]

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, f"Heading {level}")

    def paragraph(self, text: str = "", style: str = "Normal", parent=None):
        paragraph = (self.document if parent is None else parent).add_paragraph()
        paragraph._p.style = self.style_id(style)
        if text:
            paragraph.add_run(plain(text))
        return paragraph

    def run(self, paragraph, text: str, style: str | None = None):
        run = paragraph.add_run(_text(text))
        if style:
            run._r.style = self.style_id(style)
        return run

    def text_block(self, text: object, empty: str) -> None:
        """Free text from a return: one paragraph per blank-line-separated block."""
        blocks = [b.strip() for b in re.split(r"\n\s*\n", plain(text)) if b.strip()]
        if not blocks:
            self.paragraph(empty)
        for block in blocks:
            self.paragraph(block)

    def labelled(self, label: str, value: str) -> None:
        paragraph = self.paragraph()
        self.run(paragraph, label, "Strong")
        self.run(paragraph, " " + _text(value))

    def bullets(self, items: Iterable[str]) -> None:
        for item in items:
            self.paragraph(item, "List Bullet")

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        *,
        caption: str,
        description: str,
        level_column: int | None = None,
        keep_rows: bool = False,
    ) -> None:
        """A data table: header row marked and repeated on every page, no merged cells.

        A cell is a string, or a list of strings and ("link", url, text) tuples (one paragraph
        each). `level_column` cells get their level's fill; the word itself is the cell's text.
        `keep_rows` stops short rows breaking across pages (long ones must be free to).
        The XML is written in one go (text escaped): python-docx's cell API made reports slow.
        """
        total = sum(widths)
        twips = [int(self.width * w / total) // _EMU_PER_TWIP for w in widths]
        parts = [
            f"<w:tbl {_NAMESPACES}><w:tblPr>",
            f'<w:tblStyle w:val="{_attr(self.style_id(TABLE_STYLE))}"/>',
            '<w:tblW w:w="0" w:type="auto"/><w:tblLayout w:type="fixed"/>',
            '<w:tblLook w:val="0620" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
            'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>',
            f'<w:tblCaption w:val="{_attr(caption)}"/>',
            f'<w:tblDescription w:val="{_attr(description)}"/></w:tblPr><w:tblGrid>',
            *(f'<w:gridCol w:w="{width}"/>' for width in twips),
            "</w:tblGrid>",
        ]
        for index, values in enumerate([headers, *rows]):
            style = self.style_id("Table Heading" if index == 0 else "Table Text")
            row_properties = "<w:cantSplit/>" if index == 0 or keep_rows else ""
            if index == 0:
                row_properties += "<w:tblHeader/>"
            parts.append(f"<w:tr><w:trPr>{row_properties}</w:trPr>")
            for column, (width, value) in enumerate(zip(twips, values, strict=True)):
                fill = (
                    charts.LEVEL_FILLS.get(plain(value))
                    if index and column == level_column
                    else None
                )
                shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
                parts.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}</w:tcPr>')
                items = value if isinstance(value, list) else [value]
                for item in items:
                    parts.append(f'<w:p><w:pPr><w:pStyle w:val="{_attr(style)}"/></w:pPr>')
                    if isinstance(item, tuple):
                        _, url, text = item
                        r_id = self.document.part.relate_to(url, RT.HYPERLINK, is_external=True)
                        parts.append(f'<w:hyperlink r:id="{_attr(r_id)}">')
                        parts.append(_run_xml(text, self.style_id("Hyperlink")))
                        parts.append("</w:hyperlink>")
                    else:
                        parts.append(_run_xml(item))
                    parts.append("</w:p>")
                parts.append("</w:tc>")
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        self.document.element.body.find(qn("w:sectPr")).addprevious(parse_xml("".join(parts)))

    def link(self, paragraph, url: str, text: str) -> None:
        """A real hyperlink (external relationship), its run in the Hyperlink character style."""
        r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), r_id)
        hyperlink.append(self.run(paragraph, text, "Hyperlink")._r)
        paragraph._p.append(hyperlink)

    def picture(self, png: bytes, *, title: str, description: str) -> None:
        run = self.paragraph(style="Figure").add_run()
        run.add_picture(io.BytesIO(png), width=Emu(min(self.width, Inches(charts.WIDTH_INCHES))))
        properties = run._r.find(".//" + qn("wp:docPr"))
        properties.set("title", title)
        properties.set("descr", description)
        properties.set("name", title)


def _attr(text: object) -> str:
    return escape(_text(text), {'"': "&quot;"})


def _run_xml(text: object, style_id: str | None = None) -> str:
    """A run holding `text` as plain text: escaped, line breaks and tabs as Word's own marks."""
    value = _text(text)
    if not value:
        return ""
    properties = f'<w:rPr><w:rStyle w:val="{_attr(style_id)}"/></w:rPr>' if style_id else ""
    lines = [
        "<w:tab/>".join(
            f'<w:t xml:space="preserve">{escape(piece)}</w:t>' for piece in line.split("\t")
        )
        for line in re.split(r"\r\n|\r|\n", value)
    ]
    return f"<w:r>{properties}{'<w:br/>'.join(lines)}</w:r>"


def _status_text(row: Mapping[str, object]) -> str:
    status = plain(row.get("status"))
    if not status:
        typed = plain(row.get("status_raw"))
        return f'{NOT_ASSESSED} ("{typed}" is not a status)' if typed else NOT_ASSESSED
    if status == layout.NOT_APPLICABLE and not plain(row.get("na_reason")):
        return f"{status} (no reason given, so not counted)"
    return status


def _evidence(row: Mapping[str, object], criterion_id: str) -> list:
    """Evidence text, the reason for Not applicable, and the evidence link as a real link."""
    items: list = []
    if plain(row.get("status")) == layout.NOT_APPLICABLE and plain(row.get("na_reason")):
        items.append(f"Reason not applicable: {plain(row.get('na_reason'))}")
    if plain(row.get("evidence")):
        items.append(plain(row.get("evidence")))
    link = plain(row.get("evidence_link"))
    url = web_address(link)
    if url:
        items.append(("link", url, link_text(url, f"Evidence for {criterion_id}")))
    elif link:
        items.append(f"Evidence link (not a web address): {link}")
    return items or ["None given"]


def _target_date(row: Mapping[str, object]) -> str:
    return plain(row.get("target_date")) or plain(row.get("target_date_raw")) or "Not set"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _criteria(count: int) -> str:
    return f"{count} criterion" if count == 1 else f"{count} criteria"


def _themes_list(numbers: Iterable[int]) -> str:
    listed = [str(n) for n in numbers]
    return ", ".join(listed) if listed else "none"


def _employees(value: object) -> int | None:
    try:
        return int(float(plain(value).replace(",", "")))
    except (ValueError, OverflowError):
        return None


class _Report:
    """One OPCC's report, chapter by chapter."""

    def __init__(
        self,
        ret: Return,
        scores: scoring.Scores,
        framework: Framework,
        member: Mapping[str, str],
        template: Path | None,
        national: pd.DataFrame | None,
        generated: dt.date,
    ) -> None:
        self.ret = ret
        self.framework = framework
        self.code = ret.opcc_code
        self.scores = scores.for_opcc(self.code)
        if self.scores.themes.empty:
            raise ReportError(f"{ret.path.name}: the scores hold no themes for {self.code!r}.")
        self.national = national
        self.generated = generated
        self.body = (
            plain(member.get("policing_body"))
            or plain(ret.profile.get("policing_body"))
            or self.code
        )
        self.force_area = plain(member.get("force_area")) or plain(ret.profile.get("force_area"))
        self.year = ret.reporting_year
        responses = ret.responses.drop_duplicates("criterion_id").copy()
        responses["satisfied"] = scoring.satisfied(responses).to_numpy()
        criteria = framework.frame.set_index("criterion_id")
        self.responses = responses.set_index("criterion_id", drop=False)
        self.criterion_text = criteria["text"]
        self.criterion_level = criteria["level"]
        self.missing = [
            cid
            for cid in framework.frame["criterion_id"]
            if cid not in self.responses.index or not plain(self.responses.at[cid, "status"])
        ]
        self.document = _empty_document(template)
        self.out = _Writer(self.document)

    @property
    def title(self) -> str:
        return f"Equality Report {self.year}"

    def build(self) -> Document:
        self.title_page()
        toc = self.contents()
        self.introduction()
        self.at_a_glance()
        self.objectives()
        for section in self.framework.sections:
            self.section_chapter(section)
        if self.national is not None and self.national["opcc_code"].nunique() > 1:
            self.national_picture()
        self.appendix()
        self.fill_contents(toc)
        self.properties()
        return self.document

    # -- title page and contents

    def title_page(self) -> None:
        out = self.out
        out.paragraph(self.title, "Title")
        out.paragraph(self.body, "Subtitle")
        if self.force_area:
            out.labelled("Force area:", self.force_area)
        fw = self.framework
        out.labelled(
            "Framework:",
            f"{fw.title}, edition {fw.edition}" + (f" ({fw.update})" if fw.update else ""),
        )
        out.labelled("Date:", plain(self.generated))
        if self.missing:
            self.draft_notice()

    def draft_notice(self) -> None:
        out = self.out
        total = len(self.framework.criteria)
        out.paragraph("Draft — incomplete return", "Draft Notice")
        out.paragraph(
            f"{len(self.missing)} of {total} criteria have no valid status in the return (blank, "
            f"or not one of {', '.join(layout.STATUSES)}), so they count as not satisfied and "
            "the levels in this report may rise once they are assessed. Criteria without a "
            "valid status:"
        )
        missing = set(self.missing)
        lines = []
        for theme in self.framework.themes:
            ids = [c.id for c in theme.criteria if c.id in missing]
            if not ids:
                continue
            listed = (
                f"all {len(ids)} criteria" if len(ids) == len(theme.criteria) else ", ".join(ids)
            )
            lines.append(f"Theme {theme.number} ({theme.title}): {listed}")
        out.bullets(lines)

    def contents(self):
        self.out.paragraph("Contents", "TOC Heading")
        return self.out.paragraph()

    def fill_contents(self, placeholder) -> None:
        """A TOC field Word rebuilds on opening (updateFields); meanwhile it lists the headings."""
        levels = {self.out.style_id(f"Heading {level}"): level for level in (1, 2)}
        entries = [
            (levels[p._p.style], p.text) for p in self.document.paragraphs if p._p.style in levels
        ]
        element = placeholder._p
        paragraphs = [self.out.paragraph(text, f"TOC {level}")._p for level, text in entries]
        first, last = paragraphs[0], paragraphs[-1]
        begin = _field_char("begin")
        instruction = OxmlElement("w:r")
        text = OxmlElement("w:instrText")
        text.set(qn("xml:space"), "preserve")
        text.text = f" {TOC_INSTRUCTION} "
        instruction.append(text)
        for offset, run in enumerate((begin, instruction, _field_char("separate"))):
            first.insert(1 + offset, run)
        last.append(_field_char("end"))
        for paragraph in paragraphs:
            element.addprevious(paragraph)
        element.getparent().remove(element)
        _ask_to_update_fields(self.document)

    # -- introduction

    def introduction(self) -> None:
        out, fw, profile = self.out, self.framework, self.ret.profile
        out.heading("Introduction", 1)
        out.paragraph(
            f"This is the annual Equality Report of the {self.body} for {self.year}. It reports "
            f"the office's progress against the {fw.title} (edition {fw.edition}) and on its "
            "equality objectives. The framework asks each Office of the Police and Crime "
            "Commissioner (OPCC) to publish an annual Equality Report detailing progress on its "
            "equality objectives."
        )
        out.heading("The Public Sector Equality Duty", 2)
        out.paragraph(
            "The general duty of the Equality Act 2010 requires the OPCC, in everything it does, "
            "to have due regard to the need to:"
        )
        out.bullets(
            [
                "eliminate unlawful discrimination, harassment and victimisation;",
                "advance equality of opportunity between people who share a protected "
                "characteristic and those who do not;",
                "foster good relations between people who share a protected characteristic and "
                "those who do not.",
            ]
        )
        out.paragraph(
            "The protected characteristics are age, disability, gender reassignment, marriage and "
            "civil partnership, pregnancy and maternity, race, religion or belief, sex, and sexual "
            "orientation."
        )
        out.heading("The specific duties", 2)
        out.paragraph(
            "The specific duties require the OPCC to publish equality information every year, to "
            "show how it meets the general duty, and to prepare and publish one or more specific "
            "and measurable equality objectives at least every four years."
        )
        employees = _employees(profile.get("employees"))
        if employees is not None and employees < 150:
            out.paragraph(
                f"The OPCC has {_plural(employees, 'employee')}. Organisations with fewer than 150 "
                "employees are exempt from publishing information about their employees; the "
                "OPCC still publishes information about the people its policies and services "
                "affect."
            )
        out.paragraph(
            "Under the Police Reform and Social Responsibility Act 2011, the Police and Crime "
            "Commissioner holds the Chief Constable to account for the force's duties on "
            "equality and diversity."
        )
        out.heading("The Commissioner's equality statement", 2)
        out.text_block(
            profile.get("equality_statement"), "The return did not include an equality statement."
        )
        links = _addresses(profile.get("published_links"))
        if links:
            out.heading("Published equality information", 2)
            for address in links:
                url = web_address(address)
                paragraph = out.paragraph(style="List Bullet")
                if url:
                    out.link(paragraph, url, link_text(url, "Published equality information"))
                else:
                    out.run(paragraph, address)
        out.heading("About this self-assessment", 2)
        out.paragraph(
            f"The OPCC assessed itself against the {len(fw.criteria)} criteria of the framework's "
            f"{len(fw.themes)} themes in {len(fw.sections)} sections. {fw.scoring_rule}"
        )
        who = plain(profile.get("signoff_role"))
        when = plain(profile.get("signoff_date"))
        if who or when:
            signed = "The return was signed off" + (f" by the {who}" if who else "")
            out.paragraph(signed + (f" on {when}." if when else "."))
        lead = plain(profile.get("lead_role"))
        if lead:
            out.paragraph(f"The OPCC's equality lead is the {lead}.")

    # -- at a glance

    def at_a_glance(self) -> None:
        out, themes = self.out, self.scores.themes.sort_values("theme")
        profile = self.scores.profile.iloc[0]
        out.heading("At a glance", 1)
        counts = [
            (level, int(profile[column]))
            for level, column in zip(LEVEL_LADDER, scoring.PROFILE_LEVEL_COLUMNS, strict=True)
        ]
        listed = ", ".join(f"{count or 'none'} at {level}" for level, count in reversed(counts[1:]))
        not_yet = counts[0][1]
        out.paragraph(
            f"Of the {len(themes)} themes, {listed}"
            + (f", and {not_yet} not yet at Developing." if not_yet else ".")
            + " There is no single overall level: the framework lets an OPCC stand at different "
            "levels in different sections, so this report shows the level of every theme."
        )
        out.heading("Levels by theme", 2)
        out.picture(
            charts.levels_chart(themes),
            title="Chart: level reached by theme",
            description=charts.describe(themes),
        )
        out.paragraph(
            "Figure 1: the level reached by each theme. The table below gives the same "
            "information.",
            "Caption",
        )
        rows = []
        for theme in themes.itertuples():
            rows.append(
                [
                    f"{theme.theme}. {theme.theme_title}",
                    theme.level,
                    self._next_level_progress(theme),
                    str(theme.not_applicable),
                ]
            )
        out.table(
            ["Theme", "Level reached", "Progress to the next level", "Not applicable claims"],
            rows,
            [6.2, 3.2, 4.0, 2.6],
            caption="Level reached by theme",
            description=f"The level each of the {len(themes)} themes has reached, the criteria "
            "satisfied towards the next level, and the number of Not applicable claims.",
            level_column=1,
            keep_rows=True,
        )
        out.heading("Levels by section", 2)
        out.paragraph(
            "A section stands at the lowest level reached by its themes: every criterion of every "
            "theme in the section must be satisfied at that level and below."
        )
        out.table(
            ["Section", "Level reached"],
            [
                [f"{row.section}. {row.section_title}", row.level]
                for row in self.scores.sections.sort_values("section").itertuples()
            ],
            [11.0, 5.0],
            caption="Level reached by section",
            description="The level each section has reached: the lowest of its themes' levels.",
            level_column=1,
            keep_rows=True,
        )
        out.heading("Themes at each level", 2)
        rows = []
        for level, count in reversed(counts):
            numbers = themes.loc[themes["level"] == level, "theme"]
            rows.append([level, str(count), _themes_list(numbers)])
        out.table(
            ["Level", "Number of themes", "Themes"],
            rows,
            [5.0, 4.0, 7.0],
            caption="Number of themes at each level",
            description="How many themes stand at each level, and which they are.",
            level_column=0,
            keep_rows=True,
        )

    def _next_level_progress(self, theme) -> str:
        if theme.level_rank >= len(LEVELS):
            return "Highest level reached"
        target = LEVELS[theme.level_rank]
        done = getattr(theme, f"{target.lower()}_satisfied")
        total = getattr(theme, f"{target.lower()}_total")
        return f"{target}: {done} of {total} criteria satisfied"

    # -- objectives

    def objectives(self) -> None:
        out = self.out
        out.heading("Equality objectives", 1)
        objectives = self.ret.objectives
        if objectives.empty:
            out.paragraph(
                "The return lists no equality objectives. The specific duties require the OPCC to "
                "publish at least one specific and measurable equality objective at least every "
                "four years."
            )
            return
        out.paragraph(
            f"The OPCC reports on {_plural(len(objectives), 'equality objective')}: what it "
            "measures, where it started, where it aims to be and how far it has come."
        )
        for index, row in enumerate(objectives.to_dict("records"), start=1):
            number = plain(row.get("number")) or str(index)
            out.heading(f"Objective {number}", 2)
            out.text_block(row.get("objective"), "The objective's text was left blank.")
            related = plain(row.get("related_themes"))
            if related:
                out.labelled("Related themes:", related)
            out.table(
                ["Measure", "Baseline", "Target", "Progress"],
                [
                    [
                        plain(row.get(key)) or "Not given"
                        for key in ("measure", "baseline", "target", "progress")
                    ]
                ],
                [5.0, 3.5, 3.5, 4.0],
                caption=f"Objective {number}: measure and progress",
                description=f"The measure, baseline, target and progress of objective {number}.",
                keep_rows=True,
            )
            out.labelled("Commentary:", plain(row.get("commentary")) or "None given.")

    # -- one chapter per section

    def section_chapter(self, section) -> None:
        out = self.out
        level = self.scores.sections.set_index("section").loc[section.number, "level"]
        out.heading(f"Section {section.number}: {section.title}", 1)
        out.labelled(
            "Level reached by the section:", f"{level} (the lowest of its themes' levels)."
        )
        for theme in section.themes:
            self.theme_part(theme)

    def theme_part(self, theme) -> None:
        out = self.out
        row = self.scores.themes.set_index("theme").loc[theme.number]
        reached = row["level"]
        out.heading(f"Theme {theme.number}: {theme.title}", 2)
        out.labelled("Level reached:", reached)
        if reached == NOT_YET:
            out.paragraph(
                "Not every Developing criterion is satisfied yet. At the Developing level:"
            )
            descriptor = theme.level(LEVELS[0]).descriptor
        else:
            out.paragraph(f"What {reached} means for this theme:")
            descriptor = theme.level(reached).descriptor
        for block in descriptor.split("\n\n"):
            out.paragraph(block, "Quote")
        progress = "; ".join(
            f"{name} {row[f'{name.lower()}_satisfied']} of {row[f'{name.lower()}_total']}"
            for name in LEVELS
        )
        out.labelled("Criteria satisfied:", progress + ".")
        claims = self.scores.not_applicable[self.scores.not_applicable["theme"] == theme.number]
        if not claims.empty:
            counted = claims[claims["counted"]]
            out.paragraph(
                f"Not applicable claims in this theme: {', '.join(claims['criterion_id'])}. "
                f"{_plural(len(counted), 'claim')} with a reason count as satisfied; the reasons "
                "are listed under 'What is in place' and in the appendix."
            )

        out.heading("Commentary", 3)
        commentary = self.ret.commentary
        texts = commentary.loc[commentary["theme"] == theme.number, "text"]
        out.text_block(
            texts.iloc[0] if len(texts) else "", "No commentary was given for this theme."
        )

        out.heading("What is in place", 3)
        ids = [c.id for c in theme.criteria]
        rows = self.responses.reindex(ids)
        in_place = rows[rows["satisfied"].eq(True)]
        if in_place.empty:
            out.paragraph("No criterion of this theme is satisfied yet.")
        else:
            out.table(
                ["ID", "Criterion", "Evidence"],
                [
                    [
                        cid,
                        [self.criterion_level[cid], self.criterion_text[cid]],
                        _evidence(response, cid),
                    ]
                    for cid, response in zip(
                        in_place["criterion_id"], in_place.to_dict("records"), strict=True
                    )
                ],
                [1.9, 7.8, 6.3],
                caption=f"Theme {theme.number}: criteria satisfied",
                description=f"The criteria of theme {theme.number} that are Met or Not applicable "
                "with a reason, with their evidence.",
            )

        steps = self.scores.next_steps[self.scores.next_steps["theme"] == theme.number]
        if steps.empty:
            out.heading("Next steps", 3)
            out.paragraph(
                f"This theme has reached {LEVELS[-1]}, the highest level. Keep its evidence up "
                "to date."
            )
            return
        target = steps["target_level"].iloc[0]
        out.heading(f"To reach {target}", 3)
        out.paragraph(
            f"{_criteria(len(steps))} of the {target} level still to satisfy, with the role "
            "responsible and the target date from the return:"
        )
        step_rows = []
        for step in steps.to_dict("records"):
            cid = step["criterion_id"]
            response = self.responses.loc[cid].to_dict() if cid in self.responses.index else {}
            step_rows.append(
                [
                    cid,
                    plain(step["text"]),
                    _status_text(response),
                    plain(step.get("owner")) or "Not set",
                    _target_date(response),
                ]
            )
        out.table(
            ["ID", "Criterion", "Status", "Owner", "Target date"],
            step_rows,
            [1.9, 6.9, 2.6, 2.5, 2.4],
            caption=f"Theme {theme.number}: to reach {target}",
            description=f"The criteria of theme {theme.number} still to satisfy to reach "
            f"{target}, with status, owner and target date.",
        )

    # -- national picture

    def national_picture(self) -> None:
        out, national = self.out, self.national
        position = national_position(national, self.code)
        returns = national["opcc_code"].nunique()
        achieving = national.assign(high=national["level_rank"] >= LEVEL_LADDER.index("Achieving"))
        per_opcc = achieving.groupby("opcc_code")["high"].sum()
        mine = int(per_opcc.loc[self.code])
        median = per_opcc.median()
        median_text = f"{median:g}"
        out.heading("National picture", 1)
        out.paragraph(
            f"This chapter compares the {self.body} with all {returns} returns accepted in this "
            "year's national run (its own included). Other policing bodies are not named."
        )
        out.paragraph(
            f"Themes at Achieving or above: {mine} of {len(position)} here; the median across "
            f"the returns is {median_text}."
        )
        leads = position[position["position"] == "above"]["theme"]
        trails = position[position["position"] == "below"]["theme"]
        out.labelled("Themes where the OPCC is above the median:", _themes_list(leads) + ".")
        out.labelled("Themes where the OPCC is below the median:", _themes_list(trails) + ".")
        out.heading("Theme by theme", 2)
        out.table(
            ["Theme", "Level here", "Median of all returns", "Returns at this level or above"],
            [
                [
                    f"{row.theme}. {row.theme_title}",
                    row.level,
                    row.median_level,
                    f"{row.at_or_above} of {row.returns}",
                ]
                for row in position.itertuples()
            ],
            [6.0, 3.2, 3.8, 3.0],
            caption="This OPCC against all returns, by theme",
            description="Per theme: the level reached here, the median level of all returns, "
            "and how many returns stand at this level or higher.",
            level_column=1,
            keep_rows=True,
        )

    # -- appendix

    def appendix(self) -> None:
        out, fw = self.out, self.framework
        out.heading("Appendix", 1)
        out.heading("How levels are calculated", 2)
        out.paragraph(fw.scoring_rule)
        out.bullets(
            [
                "A criterion is satisfied when it is Met, or Not applicable with a reason given. "
                "Partially met, Not met and criteria without a status are not satisfied.",
                "A theme stands at the highest level for which every criterion of that level and "
                "of every level below it is satisfied. If a Developing criterion is not "
                "satisfied, the theme is Not yet Developing.",
                "A section stands at the lowest level reached by its themes.",
                "There is no overall level: the profile shows how many themes stand at each level.",
            ]
        )
        for name in LEVELS:
            out.labelled(f"{name}:", fw.level_definitions[name])

        out.heading("Every criterion", 2)
        out.paragraph(
            "The status and evidence the OPCC gave for each criterion of the framework, theme by "
            "theme."
        )
        for theme in fw.themes:
            out.heading(f"Theme {theme.number}: {theme.title}", 3)
            rows = []
            for criterion in theme.criteria:
                response = (
                    self.responses.loc[criterion.id].to_dict()
                    if criterion.id in self.responses.index
                    else {}
                )
                rows.append(
                    [
                        criterion.id,
                        [criterion.level, criterion.text],
                        _status_text(response),
                        _evidence(response, criterion.id),
                    ]
                )
            out.table(
                ["ID", "Criterion", "Status", "Evidence"],
                rows,
                [1.9, 6.4, 2.5, 5.2],
                caption=f"Theme {theme.number}: every criterion",
                description=f"Every criterion of theme {theme.number} with its level, status and "
                "evidence.",
            )

        out.heading("Not applicable claims", 2)
        claims = self.scores.not_applicable
        if claims.empty:
            out.paragraph("The return makes no Not applicable claims.")
        else:
            self.claims_table(claims)
        out.paragraph(
            f"This report was produced on {plain(self.generated)} from the OPCC's self-assessment "
            f"return for {self.year}."
        )

    def claims_table(self, claims: pd.DataFrame) -> None:
        out = self.out
        out.paragraph(
            "A Not applicable claim counts as satisfied only when a reason is given. The claims "
            "are listed here so that they can be challenged."
        )
        out.table(
            ["ID", "Criterion", "Reason given", "Counted as satisfied"],
            [
                [
                    row["criterion_id"],
                    [row["level"], plain(row["text"])],
                    plain(row["na_reason"]) or "None",
                    "Yes" if row["counted"] else "No: no reason given",
                ]
                for row in claims.to_dict("records")
            ],
            [1.9, 6.6, 4.6, 2.9],
            caption="Not applicable claims",
            description="Every criterion claimed as Not applicable, the reason given and whether "
            "it counts as satisfied.",
        )

    # -- properties

    def properties(self) -> None:
        properties = self.document.core_properties
        moment = dt.datetime.combine(self.generated, dt.time(), tzinfo=dt.UTC)
        properties.title = f"{self.title}: {self.body}"
        properties.subject = (
            f"Self-assessment against the {self.framework.title}, edition {self.framework.edition}"
        )
        properties.author = self.body
        properties.last_modified_by = self.body
        properties.language = LANGUAGE
        properties.keywords = "equality; Public Sector Equality Duty; APCC Equality Framework"
        properties.category = "Equality Report"
        properties.content_status = "Draft" if self.missing else "Final"
        properties.comments = (
            f"Generated by equality {__version__} from {outputs.display_name(self.ret.path.name)} "
            f"(sha256 {self.ret.sha256[:12]})."
        )
        properties.created = moment
        properties.modified = moment
        properties.last_printed = moment
        properties.revision = 1
        for section in self.document.sections:
            for paragraph in section.header.paragraphs:
                _set_title_field(paragraph, properties.title)


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


def _ask_to_update_fields(document: Document) -> None:
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


def _field_char(kind: str):
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run.append(char)
    return run


def _set_title_field(paragraph, title: str) -> None:
    """Show the title in the header's TITLE field until Word refreshes it from the properties."""
    for field in paragraph._p.findall(qn("w:fldSimple")):
        if field.get(qn("w:instr"), "").split()[:1] == ["TITLE"]:
            texts = field.findall(".//" + qn("w:t"))
            if texts:
                texts[0].text = plain(title)
                for extra in texts[1:]:
                    extra.text = ""


def build_report(
    ret: Return,
    scores: scoring.Scores,
    framework: Framework,
    member: Mapping[str, str],
    *,
    template: Path | None = None,
    national: pd.DataFrame | None = None,
    generated: dt.date,
) -> Document:
    """One OPCC's Equality Report as a python-docx Document (not saved).

    `national` is `Scores.themes` of every accepted return in the run; with more than one OPCC
    in it, the report gains a national picture that names no other OPCC.
    """
    return _Report(ret, scores, framework, member, template, national, generated).build()


def write_reports(
    returns: Sequence[Return],
    scores: scoring.Scores,
    framework: Framework,
    members: pd.DataFrame,
    out_dir: Path,
    *,
    template: Path | None = None,
    generated: dt.date,
    force: bool = False,
    workers: int | None = None,
) -> list[ReportOutcome]:
    """Write a report per return into `out_dir`, never replacing one that someone has edited."""
    out_dir = Path(out_dir)
    template_bytes(template)  # fail before any report if the template is unusable
    out_dir.mkdir(parents=True, exist_ok=True)
    by_code = {row["code"]: row for row in members.to_dict("records")}
    national = scores.themes if scores.themes["opcc_code"].nunique() > 1 else None
    jobs = [
        _RenderJob(
            ret,
            scores.for_opcc(ret.opcc_code),
            framework,
            by_code.get(ret.opcc_code, {}),
            template,
            national,
            generated,
            out_dir,
        )
        for ret in sorted(returns, key=lambda r: (r.opcc_code, r.reporting_year))
    ]
    rendered = _render_all(jobs, workers)
    records = manifest.Manifest.load(out_dir)
    outcomes: list[ReportOutcome] = []
    try:
        for job, path in zip(jobs, rendered, strict=True):
            outcome = records.write(
                report_name(job.ret.opcc_code, job.ret.reporting_year),
                lambda target, path=path: os.replace(path, target),
                force=force,
            )
            outcomes.append(
                ReportOutcome(job.ret.opcc_code, outcome.path, outcome.status, outcome.message)
            )
    finally:
        for path in rendered:
            path.unlink(missing_ok=True)
        if outcomes:
            records.save()
    return outcomes


@dataclass(frozen=True)
class _RenderJob:
    ret: Return
    scores: scoring.Scores
    framework: Framework
    member: Mapping[str, str]
    template: Path | None
    national: pd.DataFrame | None
    generated: dt.date
    out_dir: Path


def _render(job: _RenderJob) -> Path:
    """Build one report and save it to a hidden file beside its final place."""
    document = build_report(
        job.ret,
        job.scores,
        job.framework,
        job.member,
        template=job.template,
        national=job.national,
        generated=job.generated,
    )
    name = f"{outputs.TEMP_PREFIX}rendering-{job.ret.opcc_code}-{job.ret.reporting_year}.docx"
    path = job.out_dir / name
    return outputs.save_document(document, path)


def _render_all(jobs: list[_RenderJob], workers: int | None) -> list[Path]:
    """Render across processes when there are enough reports for it to pay; order is kept."""
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(jobs) < 4:
        return [_render(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_render, jobs, chunksize=max(1, len(jobs) // (workers * 4))))


def report_returns(
    accepted: Sequence[Return],
    framework: Framework,
    members: pd.DataFrame,
    *,
    out_dir: Path | None = None,
    template: Path | None = None,
    generated: dt.date,
    force: bool = False,
) -> list[ReportOutcome]:
    """Score the accepted returns, each year's together, and write their reports.

    Reports go to `out_dir`, or to `output/<year>/reports/` for each reporting year.
    """
    by_year: dict[str, list[Return]] = {}
    for ret in accepted:
        by_year.setdefault(ret.reporting_year, []).append(ret)
    outcomes: list[ReportOutcome] = []
    for year, rets in sorted(by_year.items()):
        scores = scoring.score(pd.concat([r.responses for r in rets]), framework)
        safe_year = year if layout.is_valid_year(year) else outputs.safe_name(year, "year")
        folder = Path(out_dir) if out_dir else Path("output") / safe_year / "reports"
        outcomes += write_reports(
            rets,
            scores,
            framework,
            members,
            folder,
            template=template,
            generated=generated,
            force=force,
        )
    return outcomes
