"""What one OPCC's Equality Report says, chapter by chapter, as a `model.Document`.

Pure: built from the return, its scores, the framework and the national figures, with no file
format in sight. Levels come from `scoring` and national figures from `national`; this module
only words them. Text from a return goes in as plain text; only http(s) evidence links become
links, with text that says where they go.

A published equality report is a short document people read: per theme, what the OPCC has in
place and what it will do next, with the framework's wording referred to by criterion number
rather than reprinted (`appendix="full"` adds every criterion). Where the return leaves a gap a
published report must not show (a theme without commentary, a Met criterion without evidence),
the report holds an editor prompt instead of a placeholder, and `Document.prompts` lists them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, get_args

import pandas as pd
from babel.dates import format_date

from pipeline import __version__, charts, i18n, national, outputs, scoring, vocabulary
from pipeline.framework import Framework
from pipeline.progress import Progress
from pipeline.report import model
from pipeline.report import progress as since_last_year
from pipeline.report.model import Text
from pipeline.report.text import addresses, link_text, plain, text, web_address
from pipeline.returns import Return
from pipeline.vocabulary import LEVEL_LADDER, LEVELS, NOT_YET

LANGUAGE = "en-GB"
NOT_ASSESSED = "Not assessed"
#: Only headings 1-2 go in the contents: level 3 repeats the same few words in every theme.
CONTENTS_LEVELS = (1, 2)
#: What the appendix holds: every criterion with its status and evidence (`full`), the counts
#: of statuses and every Not applicable claim with its reason (`summary`), or nothing (`none`).
Appendix = Literal["full", "summary", "none"]
APPENDIX_CHOICES: tuple[str, ...] = get_args(Appendix)
DEFAULT_APPENDIX: Appendix = "summary"
#: How an editor prompt reads in an English report (the catalogue has it in every language).
PROMPT = "[Editor: {}]"
#: Members whose reports the Welsh Language Standards also ask for in Welsh.
WELSH_REGION = "Wales"


class ReportError(ValueError):
    """A report that cannot be built as asked (e.g. a template without the styles it needs)."""


def build_content(
    ret: Return,
    scores: scoring.Scores,
    framework: Framework,
    member: Mapping[str, str],
    *,
    national: pd.DataFrame | national.Standing | None = None,
    generated: dt.date,
    progress: Progress | None = None,
    appendix: Appendix = DEFAULT_APPENDIX,
    language: str = "en",
    counterpart: str | None = None,
) -> model.Document:
    """One OPCC's Equality Report as content. `national` is `Scores.themes` of every accepted
    return in the run (or this OPCC's `national.Standing` in it, worked out once for the run);
    with more than one OPCC in it, the report gains a national picture that names no other OPCC.
    `progress` (this OPCC's part of `pipeline.progress.compare`) adds what changed since last
    year; without it the report says nothing about last year. `appendix`: see
    `Appendix`.

    `language`: "en" or "cy" (Welsh), the catalogue every word of the report comes from. The
    framework's own text has no official Welsh translation: a Welsh report says so and keeps it
    in English, its runs marked `lang="en"`. `counterpart`: the file name of the same report in
    the other language, linked from the top of this one.
    """
    if appendix not in APPENDIX_CHOICES:
        raise ReportError(
            f"appendix must be one of {', '.join(APPENDIX_CHOICES)}, not {appendix!r}."
        )
    words = i18n.translator(language)
    document = _Report(
        ret, scores, framework, member, national, generated, appendix, words, counterpart
    ).build()
    return document if progress is None else since_last_year.insert(document, progress, words)


class _Blocks:
    """Collects the blocks of a report in reading order."""

    def __init__(self, words: i18n.Translator) -> None:
        self.words = words
        self.items: list[model.Block] = []
        self.prompts: list[str] = []

    def prompt_text(self, label: str, words: str) -> Text:
        """An editor prompt as a run, recorded under its short `label` (English: the labels are
        for the run's summary, not the report)."""
        self.prompts.append(label)
        return Text(self.words._("[Editor: {}]").format(words), prompt=True)

    def prompt(self, label: str, words: str) -> None:
        """A paragraph that is an editor prompt."""
        self.items.append(model.Paragraph((self.prompt_text(label, words),)))

    def heading(self, words: str, level: int) -> None:
        self.items.append(model.Heading(plain(words), level))

    def paragraph(self, words: object = "", role: model.Role = "body") -> None:
        words = plain(words)
        self.items.append(model.Paragraph((Text(words),) if words else (), role))

    def labelled(self, label: str, value: str) -> None:
        self.items.append(model.Paragraph((Text(label, strong=True), Text(" " + text(value)))))

    def text_block(self, value: object, label: str, empty: str, role: model.Role = "body") -> None:
        """Free text from a return: one paragraph per blank-line-separated block; none given,
        an editor prompt (`label`, `empty`)."""
        blocks = [b.strip() for b in re.split(r"\n\s*\n", plain(value)) if b.strip()]
        if not blocks:
            self.prompt(label, empty)
        for block in blocks:
            self.paragraph(block, role)

    def bullets(self, items: Iterable[str]) -> None:
        self.items.append(model.BulletList(tuple(_line(item) for item in items)))

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        *,
        caption: str,
        description: str,
        level_column: int | None = None,
        keep_rows: bool = False,
    ) -> None:
        """A cell is a string, or a list of strings and Text links (one line each)."""
        self.items.append(
            model.Table(
                caption=caption,
                description=description,
                header=tuple(header),
                rows=tuple(tuple(_cell(value) for value in row) for row in rows),
                widths=tuple(widths),
                level_column=level_column,
                keep_rows=keep_rows,
            )
        )


def _line(item: str) -> tuple[Text, ...]:
    words = plain(item)
    return (Text(words),) if words else ()


def _cell(value: object) -> model.Cell:
    items = value if isinstance(value, list) else [value]
    return tuple(item if isinstance(item, Text) else Text(text(item)) for item in items)


def _status_text(row: Mapping[str, object], words: i18n.Translator) -> str:
    _ = words._
    status = plain(row.get("status"))
    if not status:
        typed = plain(row.get("status_raw"))
        if typed:
            return _('Not assessed ("{typed}" is not a status)').format(typed=typed)
        return _("Not assessed")
    if status == vocabulary.NOT_APPLICABLE and not plain(row.get("na_reason")):
        return _("{status} (no reason given, so not counted)").format(status=status)
    return status


def _evidence(
    row: Mapping[str, object],
    criterion_id: str,
    empty: Callable[[], object],
    words: i18n.Translator,
) -> list:
    """The reason for Not applicable, then the evidence: its description linking to the evidence
    link when that is a web address (descriptive link text, as public-sector guidance asks, and
    a line shorter than the address); `empty()` when there is none of them."""
    _ = words._
    items: list = []
    if plain(row.get("status")) == vocabulary.NOT_APPLICABLE and plain(row.get("na_reason")):
        items.append(
            _("Reason not applicable: {reason}").format(reason=plain(row.get("na_reason")))
        )
    evidence = plain(row.get("evidence"))
    link = plain(row.get("evidence_link"))
    url = web_address(link)
    if url:
        fallback = _("Evidence for {id}").format(id=criterion_id)
        items.append(Text(evidence or link_text(url, fallback), link=url))
    else:
        if evidence:
            items.append(evidence)
        if link:
            items.append(_("Evidence link (not a web address): {link}").format(link=link))
    return items or [empty()]


def _date(value: object, words: i18n.Translator) -> str:
    """A date in the report's language ("1 May 2026", "1 Mai 2026"); anything else as `plain`."""
    if words.language != "en" and isinstance(value, dt.date) and not pd.isna(value):
        return format_date(value, "d MMMM y", locale=words.language)
    return plain(value)


def _target_date(row: Mapping[str, object], words: i18n.Translator) -> str:
    return (
        _date(row.get("target_date"), words)
        or plain(row.get("target_date_raw"))
        or words._("Not set")
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    """`frame.to_dict("records")`, the same values, a column at a time (many times faster)."""
    columns = [str(column) for column in frame.columns]
    values = [frame[column].tolist() for column in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _by_theme(rows: Iterable[dict]) -> dict[int, list[dict]]:
    """Rows (of one OPCC) grouped by their theme, in their order."""
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["theme"], []).append(row)
    return grouped


def _themes_list(numbers: Iterable[int], words: i18n.Translator) -> str:
    listed = [str(n) for n in numbers]
    return ", ".join(listed) if listed else words._("none")


def _looks_like_email(value: str) -> bool:
    return bool(re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", value))


def _employees(value: object) -> int | None:
    try:
        return int(float(plain(value).replace(",", "")))
    except (ValueError, OverflowError):
        return None


class _Report:
    """One OPCC's report, chapter by chapter, in the language of `words`."""

    def __init__(
        self,
        ret: Return,
        scores: scoring.Scores,
        framework: Framework,
        member: Mapping[str, str],
        national_themes: pd.DataFrame | national.Standing | None,
        generated: dt.date,
        appendix: Appendix,
        words: i18n.Translator,
        counterpart: str | None,
    ) -> None:
        self.words = words
        self._ = words._
        self.ngettext = words.ngettext
        #: The language of the framework's own text, when it is not the report's.
        self.framework_lang = None if words.language == "en" else "en"
        self.counterpart = counterpart
        ret = ret.whole()  # a run's returns wait on disk for their reports
        self.ret = ret
        self.appendix_kind = appendix
        self.welsh = plain(member.get("region")) == WELSH_REGION
        self.framework = framework
        self.code = ret.opcc_code
        self.scores = scores.for_opcc(self.code)
        if self.scores.themes.empty:
            raise ReportError(f"{ret.path.name}: the scores hold no themes for {self.code!r}.")
        if isinstance(national_themes, pd.DataFrame):
            national_themes = (
                national.standing(national_themes, self.code)
                if national_themes["opcc_code"].nunique() > 1
                else None
            )
        self.national = national_themes
        self.generated = generated
        self.body = (
            plain(member.get("policing_body"))
            or plain(ret.profile.get("policing_body"))
            or self.code
        )
        self.force_area = plain(member.get("force_area")) or plain(ret.profile.get("force_area"))
        self.year = ret.reporting_year
        # The frames are read into plain rows once, grouped by theme: indexing a frame inside
        # the per-theme loops made building a report take a good part of a second.
        responses = ret.responses.drop_duplicates("criterion_id")
        self.responses: dict[str, dict] = {}
        for row, satisfied in zip(
            _records(responses), scoring.satisfied(responses).to_numpy(), strict=True
        ):
            row["satisfied"] = bool(satisfied)
            self.responses[row["criterion_id"]] = row
        self.themes = self.scores.themes.sort_values("theme")
        self.theme_rows = {row["theme"]: row for row in _records(self.themes)}
        self.section_rows = _records(self.scores.sections.sort_values("section"))
        self.claims = _records(self.scores.not_applicable)
        self.claims_by_theme = _by_theme(self.claims)
        self.steps_by_theme = _by_theme(_records(self.scores.next_steps))
        self.commentary: dict[int, object] = {}
        for theme, words_given in zip(ret.commentary["theme"], ret.commentary["text"], strict=True):
            self.commentary.setdefault(theme, words_given)
        self.missing = [
            c.id
            for c in framework.criteria
            if c.id not in self.responses or not plain(self.responses[c.id]["status"])
        ]
        self.out = _Blocks(words)
        self.title_prompts: list[str] = []

    def criterion(self, words: object) -> Text:
        """The framework's text of a criterion, marked English in a report of another language."""
        return Text(text(words), lang=self.framework_lang)

    @property
    def title(self) -> str:
        return self._("Equality Report {year}").format(year=self.year)

    def build(self) -> model.Document:
        _ = self._
        if self.counterpart:
            other = (
                _("This report is also available in Welsh:")
                if self.words.language == "en"
                else _("This report is also available in English:")
            )
            self.out.items.append(
                model.Paragraph((Text(other + " "), Text(self.counterpart, link=self.counterpart)))
            )
        if self.framework_lang:
            self.out.paragraph(
                _(
                    "The text of the framework (its criteria, theme titles and level "
                    "descriptions) has no official Welsh translation, so it is given in English."
                )
            )
        self.out.items.append(model.Contents(_("Contents"), CONTENTS_LEVELS))
        self.introduction()
        self.at_a_glance()
        self.objectives()
        for section in self.framework.sections:
            self.section_chapter(section)
        if self.national is not None:
            self.national_picture()
        if self.appendix_kind != "none":
            self.appendix()
        title_page = self.title_page()
        prompts = tuple(dict.fromkeys([*self.title_prompts, *self.out.prompts]))
        return model.Document(self.properties(), title_page, tuple(self.out.items), prompts)

    # -- title page

    def title_page(self) -> model.TitlePage:
        _ = self._
        fw = self.framework
        details = [model.Field(_("Force area:"), self.force_area)] if self.force_area else []
        edition = (
            _("{title}, edition {edition} ({update})")
            if fw.update
            else _("{title}, edition {edition}")
        )
        details.append(
            model.Field(
                _("Framework:"),
                edition.format(title=fw.title, edition=fw.edition, update=fw.update),
            )
        )
        details.append(
            model.Field(
                _("Date of publication:"),
                _("[Editor: {}]").format(
                    _("the date this report is published (this draft: {date})").format(
                        date=_date(self.generated, self.words)
                    )
                ),
                prompt=True,
            )
        )
        self.title_prompts.append("Date of publication")
        page = model.TitlePage(self.title, self.body, tuple(details))
        if not self.missing:
            return page
        notice = _Blocks(self.words)
        total = len(self.framework.criteria)
        notice.paragraph(
            _(
                "{missing} of {total} criteria have no valid status in the return (blank, or not "
                "one of {statuses}), so they count as not satisfied and the levels in this report "
                "may rise once they are assessed. Criteria without a valid status:"
            ).format(
                missing=len(self.missing), total=total, statuses=", ".join(vocabulary.STATUSES)
            )
        )
        missing = set(self.missing)
        lines = []
        for theme in self.framework.themes:
            ids = [c.id for c in theme.criteria if c.id in missing]
            if not ids:
                continue
            listed = (
                _("all {count} criteria").format(count=len(ids))
                if len(ids) == len(theme.criteria)
                else ", ".join(ids)
            )
            lines.append(
                _("Theme {number} ({title}): {listed}").format(
                    number=theme.number, title=theme.title, listed=listed
                )
            )
        notice.bullets(lines)
        return model.TitlePage(
            self.title,
            self.body,
            tuple(details),
            notice_title=_("Draft — incomplete return"),
            notice=tuple(notice.items),
        )

    # -- introduction

    def introduction(self) -> None:
        _ = self._
        out, fw, profile = self.out, self.framework, self.ret.profile
        out.heading(_("Introduction"), 1)
        out.paragraph(
            _(
                "This is the annual Equality Report of the {body} for {year}. It reports the "
                "office's progress against the {framework} (edition {edition}) and on its "
                "equality objectives. The framework asks each Office of the Police and Crime "
                "Commissioner (OPCC) to publish an annual Equality Report detailing progress on "
                "its equality objectives."
            ).format(body=self.body, year=self.year, framework=fw.title, edition=fw.edition)
        )
        out.heading(_("The Public Sector Equality Duty"), 2)
        out.paragraph(
            _(
                "The general duty of the Equality Act 2010 requires the OPCC, in everything it "
                "does, to have due regard to the need to:"
            )
        )
        out.bullets(
            [
                _("eliminate unlawful discrimination, harassment and victimisation;"),
                _(
                    "advance equality of opportunity between people who share a protected "
                    "characteristic and those who do not;"
                ),
                _(
                    "foster good relations between people who share a protected characteristic "
                    "and those who do not."
                ),
            ]
        )
        out.paragraph(
            _(
                "The protected characteristics are age, disability, gender reassignment, marriage "
                "and civil partnership, pregnancy and maternity, race, religion or belief, sex, "
                "and sexual orientation."
            )
        )
        out.paragraph(
            _(
                "The specific duties require the OPCC to publish equality information every "
                "year, to show how it meets the general duty, and to prepare and publish one or "
                "more specific and measurable equality objectives at least every four years."
            )
        )
        employees = _employees(profile.get("employees"))
        if employees is not None and employees < 150:
            out.paragraph(
                self.ngettext(
                    "The OPCC has {count} employee.", "The OPCC has {count} employees.", employees
                ).format(count=employees)
                + " "
                + _(
                    "Organisations with fewer than 150 employees are exempt from publishing "
                    "information about their employees; the OPCC still publishes information "
                    "about the people its policies and services affect."
                )
            )
        out.paragraph(
            _(
                "Under the Police Reform and Social Responsibility Act 2011, the Police and Crime "
                "Commissioner holds the Chief Constable to account for the force's duties on "
                "equality and diversity."
            )
        )
        out.heading(_("The Commissioner's equality statement"), 2)
        out.text_block(
            profile.get("equality_statement"),
            "Equality statement",
            _("add the Commissioner's equality statement (the return gave none)."),
            role="quote",
        )
        links = addresses(profile.get("published_links"))
        if links:
            out.heading(_("Published equality information"), 2)
            items = []
            for address in links:
                url = web_address(address)
                label = link_text(url, _("Published equality information")) if url else address
                items.append((Text(label, link=url),))
            out.items.append(model.BulletList(tuple(items)))
        self.about_this_report()
        self.contact_us()

    def about_this_report(self) -> None:
        """The self-assessment behind the report, and how the report refers to the framework."""
        _ = self._
        out, fw, profile = self.out, self.framework, self.ret.profile
        out.heading(_("About this report"), 2)
        who = plain(profile.get("signoff_role"))
        when = _date(profile.get("signoff_date"), self.words)
        signed = ""
        if who and when:
            signed = " " + _("The return was signed off by the {who} on {when}.")
        elif who:
            signed = " " + _("The return was signed off by the {who}.")
        elif when:
            signed = " " + _("The return was signed off on {when}.")
        lead = plain(profile.get("lead_role"))
        assessed = _(
            "The OPCC assessed itself against the {criteria} criteria of the framework's "
            "{themes} themes in {sections} sections."
        ).format(criteria=len(fw.criteria), themes=len(fw.themes), sections=len(fw.sections))
        after = signed.format(who=who, when=when) + (
            " " + _("The OPCC's equality lead is the {lead}.").format(lead=lead) if lead else ""
        )
        # The scoring rule is the framework's own words: a run of its own, in its language.
        runs = [Text(plain(assessed) + " "), Text(plain(fw.scoring_rule), lang=self.framework_lang)]
        out.items.append(model.Paragraph((*runs, Text(after)) if after else tuple(runs)))
        refers = _(
            "For each theme, this report gives the level the OPCC has reached, what it has in "
            "place and what it will do next. It refers to the framework's criteria by number "
            "(such as {example}) rather than repeating their wording and the descriptor of each "
            "level: those are in the {framework}, edition {edition}"
        ).format(example=fw.criteria[0].id, framework=fw.title, edition=fw.edition)
        out.paragraph(
            refers
            + (
                _(", published by the {publisher}.").format(publisher=fw.publisher)
                if fw.publisher
                else "."
            )
        )
        where = {
            "full": _(
                "The appendix lists every criterion with the status and evidence the OPCC gave, "
                "and every Not applicable claim with its reason."
            ),
            "summary": _(
                "The appendix counts the statuses of the criteria in each theme and lists every "
                "Not applicable claim with its reason."
            ),
            "none": "",
        }[self.appendix_kind]
        out.paragraph(
            _(
                "The report was generated on {date} from the OPCC's self-assessment return for "
                "{year}."
            ).format(date=_date(self.generated, self.words), year=self.year)
            + " "
            + where
        )

    def contact_us(self) -> None:
        """The statements a public body's report carries: how to reach it, other formats."""
        _ = self._
        out, profile = self.out, self.ret.profile
        out.heading(_("Contact us and other formats"), 2)
        out.paragraph(
            _(
                "If you have a question about this report, or would like it in another format, "
                "such as large print, easy read, braille, audio or another language, please "
                "contact the {body}."
            ).format(body=self.body)
        )
        email = plain(profile.get("contact_email"))
        lead = plain(profile.get("lead_role"))
        if _looks_like_email(email):
            lines = [_("Email: {email}").format(email=email)]
            if lead:
                lines.append(_("Equality lead: the {lead}").format(lead=lead))
            out.bullets(lines)
        else:
            out.prompt(
                "Contact details",
                _(
                    "add how to contact the OPCC about this report: a team email address, a "
                    "telephone number and a postal address (the return gave no contact email)."
                ),
            )
        if self.welsh and not self.counterpart:
            out.prompt(
                "Welsh-language version",
                _(
                    "say where the Welsh-language version of this report is published, as the "
                    "Welsh Language Standards require."
                ),
            )

    # -- at a glance

    def at_a_glance(self) -> None:
        _ = self._
        out, themes = self.out, self.themes
        profile = self.scores.profile.iloc[0]
        out.heading(_("At a glance"), 1)
        counts = [
            (level, int(profile[column]))
            for level, column in zip(LEVEL_LADDER, scoring.PROFILE_LEVEL_COLUMNS, strict=True)
        ]
        listed = ", ".join(
            _("{count} at {level}").format(count=count or _("none"), level=level)
            for level, count in reversed(counts[1:])
        )
        not_yet = counts[0][1]
        summary = (
            _("Of the {total} themes, {listed}, and {not_yet} not yet at Developing.")
            if not_yet
            else _("Of the {total} themes, {listed}.")
        )
        out.paragraph(
            summary.format(total=len(themes), listed=listed, not_yet=not_yet)
            + " "
            + _(
                "There is no single overall level: the framework lets an OPCC stand at different "
                "levels in different sections, so this report shows the level of every theme."
            )
        )
        out.heading(_("Levels by theme"), 2)
        out.items.append(
            model.Figure(
                charts.levels_chart(themes, self.words),
                title=_("Chart: level reached by theme"),
                alt_text=charts.describe(themes, self.words),
                caption=_(
                    "Figure 1: the level reached by each theme. The table below gives the same "
                    "information."
                ),
            )
        )
        rows = []
        for theme in self.theme_rows.values():
            rows.append(
                [
                    f"{theme['theme']}. {theme['theme_title']}",
                    theme["level"],
                    self._next_level_progress(theme),
                    str(theme["not_applicable"]),
                ]
            )
        out.table(
            [
                _("Theme"),
                _("Level reached"),
                _("Progress to the next level"),
                _("Not applicable claims"),
            ],
            rows,
            [6.2, 3.2, 4.0, 2.6],
            caption=_("Level reached by theme"),
            description=_(
                "The level each of the {count} themes has reached, the criteria satisfied "
                "towards the next level, and the number of Not applicable claims."
            ).format(count=len(themes)),
            level_column=1,
            keep_rows=True,
        )
        out.heading(_("Levels by section"), 2)
        out.paragraph(
            _(
                "A section stands at the lowest level reached by its themes: every criterion of "
                "every theme in the section must be satisfied at that level and below."
            )
        )
        out.table(
            [_("Section"), _("Level reached")],
            [
                [f"{row['section']}. {row['section_title']}", row["level"]]
                for row in self.section_rows
            ],
            [11.0, 5.0],
            caption=_("Level reached by section"),
            description=_("The level each section has reached: the lowest of its themes' levels."),
            level_column=1,
            keep_rows=True,
        )
        out.heading(_("Themes at each level"), 2)
        rows = []
        for level, count in reversed(counts):
            numbers = [row["theme"] for row in self.theme_rows.values() if row["level"] == level]
            rows.append([level, str(count), _themes_list(numbers, self.words)])
        out.table(
            [_("Level"), _("Number of themes"), _("Themes")],
            rows,
            [5.0, 4.0, 7.0],
            caption=_("Number of themes at each level"),
            description=_("How many themes stand at each level, and which they are."),
            level_column=0,
            keep_rows=True,
        )

    def _next_level_progress(self, theme: Mapping[str, object]) -> str:
        if theme["level_rank"] >= len(LEVELS):
            return self._("Highest level reached")
        target = LEVELS[theme["level_rank"]]
        done = theme[f"{target.lower()}_satisfied"]
        total = theme[f"{target.lower()}_total"]
        return self._("{level}: {done} of {total} criteria satisfied").format(
            level=target, done=done, total=total
        )

    # -- objectives

    def objectives(self) -> None:
        _ = self._
        out = self.out
        out.heading(_("Equality objectives"), 1)
        objectives = self.ret.objectives
        if objectives.empty:
            out.paragraph(
                _(
                    "The return lists no equality objectives. The specific duties require the "
                    "OPCC to publish at least one specific and measurable equality objective at "
                    "least every four years."
                )
            )
            out.prompt(
                "Equality objectives",
                _("add the OPCC's equality objectives, or say when it will publish them."),
            )
            return
        out.paragraph(
            self.ngettext(
                "The OPCC reports on {count} equality objective: what it measures, where it "
                "started, where it aims to be and how far it has come.",
                "The OPCC reports on {count} equality objectives: what it measures, where it "
                "started, where it aims to be and how far it has come.",
                len(objectives),
            ).format(count=len(objectives))
        )
        fields = {
            "measure": _("add the measure"),
            "baseline": _("add the baseline"),
            "target": _("add the target"),
            "progress": _("add the progress"),
        }
        for index, row in enumerate(objectives.to_dict("records"), start=1):
            number = plain(row.get("number")) or str(index)
            out.heading(_("Objective {number}").format(number=number), 2)
            out.text_block(
                row.get("objective"),
                f"Objective {number}: its wording",
                _("add the wording of this objective (the return left it blank)."),
            )
            related = plain(row.get("related_themes"))
            if related:
                out.labelled(_("Related themes:"), related)
            out.table(
                [_("Measure"), _("Baseline"), _("Target"), _("Progress")],
                [
                    [
                        plain(row.get(key))
                        or out.prompt_text(f"Objective {number}: its {key}", prompt)
                        for key, prompt in fields.items()
                    ]
                ],
                [5.0, 3.5, 3.5, 4.0],
                caption=_("Objective {number}: measure and progress").format(number=number),
                description=_(
                    "The measure, baseline, target and progress of objective {number}."
                ).format(number=number),
                keep_rows=True,
            )
            commentary = plain(row.get("commentary"))
            if commentary:
                out.labelled(_("Commentary:"), commentary)
            else:
                out.items.append(
                    model.Paragraph(
                        (
                            Text(_("Commentary:"), strong=True),
                            Text(" "),
                            out.prompt_text(
                                f"Objective {number}: commentary",
                                _("add a sentence on the progress made with this objective."),
                            ),
                        )
                    )
                )

    # -- one chapter per section

    def section_chapter(self, section) -> None:
        _ = self._
        out = self.out
        level = next(row["level"] for row in self.section_rows if row["section"] == section.number)
        out.heading(
            _("Section {number}: {title}").format(number=section.number, title=section.title), 1
        )
        out.labelled(
            _("Level reached by the section:"),
            _("{level} (the lowest of its themes' levels).").format(level=level),
        )
        for theme in section.themes:
            self.theme_part(theme)

    def theme_part(self, theme) -> None:
        """Level reached, commentary, what is in place, what is next: the framework's wording is
        referred to by criterion number, not reprinted (the next steps quote their criteria)."""
        _ = self._
        out = self.out
        row = self.theme_rows[theme.number]
        reached = row["level"]
        out.heading(_("Theme {number}: {title}").format(number=theme.number, title=theme.title), 2)
        ids = [c.id for c in theme.criteria]
        out.labelled(
            _("Level reached:"),
            _(
                "{level}. {why} Framework reference: theme {number}, criteria {first} to {last}."
            ).format(
                level=reached,
                why=self._level_sentence(row),
                number=theme.number,
                first=ids[0],
                last=ids[-1],
            ),
        )
        claims = self.claims_by_theme.get(theme.number, [])
        if claims:
            counted = sum(1 for claim in claims if claim["counted"])
            where = (
                _("under 'What is in place' and in the appendix")
                if self.appendix_kind != "none"
                else _("under 'What is in place'")
            )
            out.paragraph(
                _("Not applicable claims in this theme: {ids}.").format(
                    ids=", ".join(claim["criterion_id"] for claim in claims)
                )
                + " "
                + self.ngettext(
                    "{count} claim with a reason count as satisfied; the reasons are listed "
                    "{where}.",
                    "{count} claims with a reason count as satisfied; the reasons are listed "
                    "{where}.",
                    counted,
                ).format(count=counted, where=where)
            )

        out.heading(_("Commentary"), 3)
        out.text_block(
            self.commentary.get(theme.number, ""),
            f"Commentary on theme {theme.number}",
            _(
                "add the OPCC's commentary on this theme: what it did this year, what changed as "
                "a result and what it will focus on next (the return gave none)."
            ),
        )

        out.heading(_("What is in place"), 3)
        in_place = [
            self.responses[cid]
            for cid in ids
            if cid in self.responses and self.responses[cid]["satisfied"]
        ]
        if not in_place:
            out.paragraph(_("No criterion of this theme is satisfied yet."))
        else:
            out.paragraph(
                self.ngettext(
                    "{count} criterion of this theme satisfied, with the evidence the OPCC gave:",
                    "{count} criteria of this theme satisfied, with the evidence the OPCC gave:",
                    len(in_place),
                ).format(count=len(in_place))
            )
            out.table(
                [_("ID"), _("Evidence")],
                [
                    [
                        response["criterion_id"],
                        self._evidence_in_place(response, response["criterion_id"]),
                    ]
                    for response in in_place
                ],
                [1.6, 14.4],
                caption=_("Theme {number}: criteria satisfied").format(number=theme.number),
                description=_(
                    "The criteria of theme {number} that are Met or Not applicable with a reason, "
                    "each with its evidence."
                ).format(number=theme.number),
                keep_rows=True,
            )

        steps = self.steps_by_theme.get(theme.number, [])
        if not steps:
            out.heading(_("Next steps"), 3)
            out.paragraph(
                _(
                    "This theme has reached {level}, the highest level. The OPCC will keep its "
                    "evidence up to date."
                ).format(level=LEVELS[-1])
            )
            return
        target = steps[0]["target_level"]
        out.heading(_("To reach {level}").format(level=target), 3)
        out.paragraph(
            self.ngettext(
                "What the OPCC will do next: {count} criterion to satisfy, with the role "
                "responsible and the target date:",
                "What the OPCC will do next: {count} criteria to satisfy, with the role "
                "responsible and the target date:",
                len(steps),
            ).format(count=len(steps))
        )
        step_rows = []
        for step in steps:
            cid = step["criterion_id"]
            response = self.responses.get(cid, {})
            step_rows.append(
                [
                    cid,
                    [self.criterion(step["text"])],
                    _status_text(response, self.words),
                    plain(step.get("owner")) or _("Not set"),
                    _target_date(response, self.words),
                ]
            )
        out.table(
            [_("ID"), _("Criterion"), _("Status"), _("Owner"), _("Target date")],
            step_rows,
            [1.5, 7.0, 2.2, 2.9, 2.4],
            caption=_("Theme {number}: to reach {level}").format(number=theme.number, level=target),
            description=_(
                "The criteria of theme {number} still to satisfy to reach {level}, with status, "
                "owner and target date."
            ).format(number=theme.number, level=target),
            keep_rows=True,
        )

    def _level_sentence(self, row) -> str:
        """Why the theme stands where it does, with the criteria satisfied at every level."""
        _ = self._
        progress = ", ".join(
            _("{done} of {total} {level}").format(
                done=row[f"{name.lower()}_satisfied"],
                total=row[f"{name.lower()}_total"],
                level=name,
            )
            for name in LEVELS
        )
        reached = row["level"]
        if reached == NOT_YET:
            why = _("Not every {level} criterion is satisfied yet").format(level=LEVELS[0])
        elif row["level_rank"] > 1:
            why = _("Every criterion at {level} and below is satisfied").format(level=reached)
        else:
            why = _("Every criterion at {level} is satisfied").format(level=reached)
        return _("{why}; satisfied: {progress} criteria.").format(why=why, progress=progress)

    def _evidence_in_place(self, response: Mapping[str, object], cid: str) -> list:
        return _evidence(
            response,
            cid,
            lambda: self.out.prompt_text(
                f"Evidence for {cid}",
                self._(
                    "add the evidence that {id} is met, or change its status (the return gave "
                    "none)."
                ).format(id=cid),
            ),
            self.words,
        )

    # -- national picture

    def national_picture(self) -> None:
        _ = self._
        out, standing = self.out, self.national
        position = standing.position
        returns = standing.returns
        mine = standing.achieving_or_above
        median_text = str(standing.median_achieving_or_above)
        out.heading(_("National picture"), 1)
        out.paragraph(
            _(
                "This chapter compares the {body} with all {count} returns accepted in this "
                "year's national run (its own included). Other policing bodies are not named."
            ).format(body=self.body, count=returns)
        )
        out.paragraph(
            _(
                "Themes at Achieving or above: {mine} of {total} here; the median across the "
                "returns is {median}."
            ).format(mine=mine, total=len(position), median=median_text)
        )
        leads = [row["theme"] for row in position if row["position"] == "above"]
        trails = [row["theme"] for row in position if row["position"] == "below"]
        out.labelled(
            _("Themes where the OPCC is above the median:"),
            _themes_list(leads, self.words) + ".",
        )
        out.labelled(
            _("Themes where the OPCC is below the median:"),
            _themes_list(trails, self.words) + ".",
        )
        out.heading(_("Theme by theme"), 2)
        out.table(
            [
                _("Theme"),
                _("Level here"),
                _("Median of all returns"),
                _("Returns at this level or above"),
            ],
            [
                [
                    f"{row['theme']}. {row['theme_title']}",
                    row["level"],
                    row["median_level"],
                    _("{count} of {total}").format(count=row["at_or_above"], total=row["returns"]),
                ]
                for row in position
            ],
            [6.0, 3.2, 3.8, 3.0],
            caption=_("This OPCC against all returns, by theme"),
            description=_(
                "Per theme: the level reached here, the median level of all returns, and how "
                "many returns stand at this level or higher."
            ),
            level_column=1,
            keep_rows=True,
        )

    # -- appendix

    def appendix(self) -> None:
        """`summary`: how levels are worked out, the counts and the Not applicable claims;
        `full` adds the level definitions and every criterion with its status and evidence."""
        _ = self._
        out, fw = self.out, self.framework
        full = self.appendix_kind == "full"
        out.heading(_("Appendix"), 1)
        out.heading(_("How levels are calculated"), 2)
        out.items.append(model.Paragraph((Text(plain(fw.scoring_rule)),), lang=self.framework_lang))
        out.bullets(
            [
                _(
                    "A criterion is satisfied when it is Met, or Not applicable with a reason "
                    "given. Partially met, Not met and criteria without a status are not "
                    "satisfied."
                ),
                _(
                    "A theme stands at the highest level for which every criterion of that level "
                    "and of every level below it is satisfied. If a Developing criterion is not "
                    "satisfied, the theme is Not yet Developing."
                ),
                _("A section stands at the lowest level reached by its themes."),
                _(
                    "There is no overall level: the profile shows how many themes stand at each "
                    "level."
                ),
            ]
        )
        if full:
            for name in LEVELS:
                out.items.append(
                    model.Paragraph(
                        (
                            Text(f"{name}:", strong=True),
                            Text(" " + text(fw.level_definitions[name]), lang=self.framework_lang),
                        )
                    )
                )
            self.every_criterion()
        else:
            self.status_counts()

        out.heading(_("Not applicable claims"), 2)
        claims = self.claims
        if not claims:
            out.paragraph(_("The return makes no Not applicable claims."))
        else:
            self.claims_table(claims)

    def every_criterion(self) -> None:
        _ = self._
        out, fw = self.out, self.framework
        out.heading(_("Every criterion"), 2)
        out.paragraph(
            _(
                "The status and evidence the OPCC gave for each criterion of the framework, theme "
                "by theme."
            )
        )
        for theme in fw.themes:
            out.heading(
                _("Theme {number}: {title}").format(number=theme.number, title=theme.title), 3
            )
            rows = []
            for criterion in theme.criteria:
                cid = criterion.id
                response = self.responses.get(cid, {})
                satisfied = bool(response.get("satisfied", False))
                rows.append(
                    [
                        cid,
                        [criterion.level, self.criterion(criterion.text)],
                        _status_text(response, self.words),
                        self._evidence_in_place(response, cid)
                        if satisfied
                        else _evidence(response, cid, lambda: _("No evidence given"), self.words),
                    ]
                )
            out.table(
                [_("ID"), _("Criterion"), _("Status"), _("Evidence")],
                rows,
                [1.9, 6.4, 2.5, 5.2],
                caption=_("Theme {number}: every criterion").format(number=theme.number),
                description=_(
                    "Every criterion of theme {number} with its level, status and evidence."
                ).format(number=theme.number),
                keep_rows=True,
            )

    def status_counts(self) -> None:
        """How many criteria of each theme have each status: the whole return in one table."""
        _ = self._
        out, fw = self.out, self.framework
        out.heading(_("Criteria by status"), 2)
        out.paragraph(
            _(
                "How many criteria of each theme the OPCC assessed as Met, Partially met, Not met "
                "or Not applicable, how many have no valid status, and how many are satisfied."
            )
        )
        columns = [*vocabulary.STATUSES, NOT_ASSESSED]
        rows, totals = [], dict.fromkeys([*columns, "satisfied", "all"], 0)
        for theme in fw.themes:
            ids = [c.id for c in theme.criteria]
            answered = [self.responses[cid] for cid in ids if cid in self.responses]
            found = [plain(row["status"]) for row in answered]
            counts = {name: found.count(name) for name in vocabulary.STATUSES}
            counts[NOT_ASSESSED] = len(ids) - sum(counts.values())
            counts["satisfied"] = sum(1 for row in answered if row["satisfied"])
            counts["all"] = len(ids)
            for key, value in counts.items():
                totals[key] += value
            rows.append(self._count_row(f"{theme.number}. {theme.title}", counts, columns))
        rows.append(self._count_row(_("All themes"), totals, columns))
        out.table(
            [_("Theme"), *vocabulary.STATUSES, _("Not assessed"), _("Satisfied")],
            rows,
            [3.6, 1.3, 2.6, 1.5, 2.8, 2.6, 2.6],
            caption=_("Criteria by status"),
            description=_(
                "For each theme and for all themes: the number of criteria Met, Partially met, "
                "Not met, Not applicable and not assessed, and the number satisfied of all the "
                "theme's criteria."
            ),
            keep_rows=True,
        )

    def _count_row(
        self, label: str, counts: Mapping[str, int], columns: Sequence[str]
    ) -> list[str]:
        return [
            label,
            *(str(counts[name]) for name in columns),
            self._("{count} of {total}").format(count=counts["satisfied"], total=counts["all"]),
        ]

    def claims_table(self, claims: Sequence[Mapping[str, object]]) -> None:
        _ = self._
        out = self.out
        out.paragraph(
            _(
                "A Not applicable claim counts as satisfied only when a reason is given. The "
                "claims are listed here so that they can be challenged."
            )
        )
        out.table(
            [_("ID"), _("Criterion"), _("Reason given"), _("Counted as satisfied")],
            [
                [
                    row["criterion_id"],
                    [row["level"], self.criterion(row["text"])],
                    plain(row["na_reason"]) or _("None"),
                    _("Yes") if row["counted"] else _("No: no reason given"),
                ]
                for row in claims
            ],
            [1.9, 6.6, 4.6, 2.9],
            caption=_("Not applicable claims"),
            description=_(
                "Every criterion claimed as Not applicable, the reason given and whether it "
                "counts as satisfied."
            ),
            keep_rows=True,
        )

    # -- properties

    def properties(self) -> model.Properties:
        _ = self._
        return model.Properties(
            title=f"{self.title}: {self.body}",
            subject=_("Self-assessment against the {framework}, edition {edition}").format(
                framework=self.framework.title, edition=self.framework.edition
            ),
            author=self.body,
            language=self.words.tag,
            keywords=_("equality; Public Sector Equality Duty; APCC Equality Framework"),
            category=_("Equality Report"),
            status=_("Draft") if self.missing else _("Final"),
            comments=_("Generated by equality {version} from {file} (sha256 {sha}).").format(
                version=__version__,
                file=outputs.display_name(self.ret.path.name),
                sha=self.ret.sha256[:12],
            ),
            created=dt.datetime.combine(self.generated, dt.time(), tzinfo=dt.UTC),
        )
