"""What one OPCC's Equality Report says, chapter by chapter, as a `model.Document`.

Pure: built from the return, its scores, the framework and the national figures, with no file
format in sight. Levels come from `scoring` and national figures from `national`; this module
only words them. Text from a return goes in as plain text; only http(s) evidence links become
links, with text that says where they go.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from pipeline import __version__, charts, i18n, layout, national, outputs, scoring
from pipeline.framework import LEVEL_LADDER, LEVELS, NOT_YET, Framework
from pipeline.progress import Progress
from pipeline.report import model
from pipeline.report import progress as since_last_year
from pipeline.report.model import Text
from pipeline.report.text import addresses, link_text, plain, text, web_address
from pipeline.returns import Return

LANGUAGE = "en-GB"
NOT_ASSESSED = "Not assessed"
#: Only headings 1-2 go in the contents: level 3 repeats the same few words in every theme.
CONTENTS_LEVELS = (1, 2)


class ReportError(ValueError):
    """A report that cannot be built as asked (e.g. a template without the styles it needs)."""


def build_content(
    ret: Return,
    scores: scoring.Scores,
    framework: Framework,
    member: Mapping[str, str],
    *,
    national: pd.DataFrame | None = None,
    generated: dt.date,
    progress: Progress | None = None,
    language: str = "en",
    counterpart: str | None = None,
) -> model.Document:
    """One OPCC's Equality Report as content. `national` is `Scores.themes` of every accepted
    return in the run; with more than one OPCC in it, the report gains a national picture that
    names no other OPCC. `progress` (this OPCC's part of `pipeline.progress.compare`) adds what
    changed since last year; without it the report says nothing about last year.

    `language`: "en" or "cy" (Welsh). The framework's own text (criteria, theme titles, level
    descriptors) has no official Welsh translation: a Welsh report says so and keeps it in
    English, its runs marked `lang="en"`. `counterpart`: the file name of the same report in the
    other language, linked from the top of this one.
    """
    words = i18n.translator(language)
    document = _Report(ret, scores, framework, member, national, generated, words).build(
        counterpart
    )
    if progress is None:
        return document
    return since_last_year.insert(document, progress, words)


class _Blocks:
    """Collects the blocks of a report in reading order."""

    def __init__(self) -> None:
        self.items: list[model.Block] = []

    def heading(self, words: str, level: int) -> None:
        self.items.append(model.Heading(plain(words), level))

    def paragraph(self, words: object = "", role: model.Role = "body") -> None:
        words = plain(words)
        self.items.append(model.Paragraph((Text(words),) if words else (), role))

    def labelled(self, label: str, value: str) -> None:
        self.items.append(model.Paragraph((Text(label, strong=True), Text(" " + text(value)))))

    def text_block(self, value: object, empty: str) -> None:
        """Free text from a return: one paragraph per blank-line-separated block."""
        blocks = [b.strip() for b in re.split(r"\n\s*\n", plain(value)) if b.strip()]
        if not blocks:
            self.paragraph(empty)
        for block in blocks:
            self.paragraph(block)

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
        items.append(Text(link_text(url, f"Evidence for {criterion_id}"), link=url))
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
        national_themes: pd.DataFrame | None,
        generated: dt.date,
        words: i18n.Translator,
    ) -> None:
        self.words = words
        self._ = words._
        self.ngettext = words.ngettext
        #: The language of the framework's own text when it differs from the report's.
        self.framework_lang = None if words.language == "en" else "en"
        self.ret = ret
        self.framework = framework
        self.code = ret.opcc_code
        self.scores = scores.for_opcc(self.code)
        if self.scores.themes.empty:
            raise ReportError(f"{ret.path.name}: the scores hold no themes for {self.code!r}.")
        self.national = national_themes
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
        self.out = _Blocks()

    def criterion(self, words: object) -> Text:
        """The framework's text of a criterion, marked English in a report of another language."""
        return Text(text(words), lang=self.framework_lang)

    @property
    def title(self) -> str:
        return f"Equality Report {self.year}"

    def build(self, counterpart: str | None = None) -> model.Document:
        _ = self._
        if counterpart:
            other = (
                _("This report is also available in Welsh:")
                if self.words.language == "en"
                else _("This report is also available in English:")
            )
            self.out.items.append(
                model.Paragraph((Text(other + " "), Text(counterpart, link=counterpart)))
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
        if self.national is not None and self.national["opcc_code"].nunique() > 1:
            self.national_picture()
        self.appendix()
        return model.Document(self.properties(), self.title_page(), tuple(self.out.items))

    # -- title page

    def title_page(self) -> model.TitlePage:
        fw = self.framework
        details = [model.Field("Force area:", self.force_area)] if self.force_area else []
        details.append(
            model.Field(
                "Framework:",
                f"{fw.title}, edition {fw.edition}" + (f" ({fw.update})" if fw.update else ""),
            )
        )
        details.append(model.Field("Date:", plain(self.generated)))
        page = model.TitlePage(self.title, self.body, tuple(details))
        if not self.missing:
            return page
        notice = _Blocks()
        total = len(self.framework.criteria)
        notice.paragraph(
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
        notice.bullets(lines)
        return model.TitlePage(
            self.title,
            self.body,
            tuple(details),
            notice_title="Draft — incomplete return",
            notice=tuple(notice.items),
        )

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
        links = addresses(profile.get("published_links"))
        if links:
            out.heading("Published equality information", 2)
            items = []
            for address in links:
                url = web_address(address)
                label = link_text(url, "Published equality information") if url else address
                items.append((Text(label, link=url),))
            out.items.append(model.BulletList(tuple(items)))
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
        out.items.append(
            model.Figure(
                charts.levels_chart(themes),
                title="Chart: level reached by theme",
                alt_text=charts.describe(themes),
                caption="Figure 1: the level reached by each theme. The table below gives the "
                "same information.",
            )
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
            out.items.append(model.Paragraph(_line(block), "quote", lang=self.framework_lang))
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
                        [self.criterion_level[cid], self.criterion(self.criterion_text[cid])],
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
                    [self.criterion(step["text"])],
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
        out, themes = self.out, self.national
        position = national.position(themes, self.code)
        returns = themes["opcc_code"].nunique()
        per_opcc = national.achieving_or_above(themes)
        mine = int(per_opcc.loc[self.code])
        median_text = str(national.lower_median(per_opcc))
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
                        [criterion.level, self.criterion(criterion.text)],
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
                    [row["level"], self.criterion(row["text"])],
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

    def properties(self) -> model.Properties:
        return model.Properties(
            title=f"{self.title}: {self.body}",
            subject=f"Self-assessment against the {self.framework.title}, edition "
            f"{self.framework.edition}",
            author=self.body,
            language=self.words.tag,
            keywords="equality; Public Sector Equality Duty; APCC Equality Framework",
            category="Equality Report",
            status="Draft" if self.missing else "Final",
            comments=f"Generated by equality {__version__} from "
            f"{outputs.display_name(self.ret.path.name)} (sha256 {self.ret.sha256[:12]}).",
            created=dt.datetime.combine(self.generated, dt.time(), tzinfo=dt.UTC),
        )
