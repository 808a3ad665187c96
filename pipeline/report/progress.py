"""What a report says about progress since last year, as `model` blocks.

Given one member's part of a `pipeline.progress.Progress`, it adds a short "Since last year"
summary to the at-a-glance chapter and a chapter of its own: the chart of both years, the
movement of each theme with the criteria whose status changed, and the criteria Met last year
that are not satisfied now. A report without a previous year gets none of it (`insert` is only
called with a member's progress).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from pipeline import charts, i18n
from pipeline.progress import DOWN, SAME, UP, Progress
from pipeline.report import model
from pipeline.report.model import Text
from pipeline.report.text import plain


def insert(
    document: model.Document, progress: Progress, words: i18n.Translator | None = None
) -> model.Document:
    """`document` with the since-last-year summary at the end of its at-a-glance chapter and
    the progress chapter after it (or before the last chapter, if there is no at-a-glance).
    `words`: the report's language (English by default)."""
    words = words or i18n.Translator()
    blocks = list(document.blocks)
    chapters = [i for i, b in enumerate(blocks) if isinstance(b, model.Heading) and b.level == 1]
    glance_title = words._("At a glance")
    glance = next((i for i in chapters if blocks[i].text == glance_title), None)
    later = [i for i in chapters if glance is not None and i > glance]
    at = later[0] if later else (chapters[-1] if chapters else len(blocks))
    added = [*glance_blocks(progress, words), *chapter_blocks(progress, words)]
    return dataclasses.replace(document, blocks=tuple(blocks[:at] + added + blocks[at:]))


def chapter_title(progress: Progress, words: i18n.Translator | None = None) -> str:
    words = words or i18n.Translator()
    return words._("Progress since {year}").format(year=progress.previous_year)


def _paragraph(words: str) -> model.Paragraph:
    return model.Paragraph((Text(plain(words)),))


def movement_words(row, words: i18n.Translator) -> str:
    """'up from Developing to Achieving', 'no change (Achieving)', 'down from ... to ...'."""
    _ = words._
    if row.movement == UP:
        return _("up from {before} to {now}").format(before=row.previous_level, now=row.level)
    if row.movement == DOWN:
        return _("down from {before} to {now}").format(before=row.previous_level, now=row.level)
    return _("no change ({now})").format(now=row.level)


def _named(rows: pd.DataFrame, words: i18n.Translator) -> str:
    return "; ".join(
        words._("theme {number} ({title}), {movement}").format(
            number=row.theme, title=row.theme_title, movement=movement_words(row, words)
        )
        for row in rows.itertuples()
    )


def _themes(count: int, words: i18n.Translator) -> str:
    return words.ngettext("{count} theme", "{count} themes", count).format(count=count)


def glance_blocks(progress: Progress, words: i18n.Translator | None = None) -> list[model.Block]:
    """The at-a-glance summary: how many themes moved each way, which, and what to look at."""
    words = words or i18n.Translator()
    _ = words._
    themes = progress.themes
    up, down = themes[themes["movement"] == UP], themes[themes["movement"] == DOWN]
    same = int((themes["movement"] == SAME).sum())
    parts = [
        _(
            "Since {year}, {up} moved up, {down} moved down and {same} stayed at the same level."
        ).format(
            year=progress.previous_year,
            up=_themes(len(up), words),
            down=_themes(len(down), words),
            same=_themes(same, words),
        )
    ]
    if len(up):
        parts.append(_("Up: {themes}.").format(themes=_named(up, words)))
    if len(down):
        parts.append(_("Down: {themes}.").format(themes=_named(down, words)))
    challenge = len(progress.challenge)
    if challenge:
        parts.append(
            words.ngettext(
                "{count} criterion Met in {year} is not satisfied now (see {chapter}).",
                "{count} criteria Met in {year} are not satisfied now (see {chapter}).",
                challenge,
            ).format(
                count=challenge,
                year=progress.previous_year,
                chapter=chapter_title(progress, words),
            )
        )
    return [model.Heading(_("Since last year"), 2), _paragraph(" ".join(parts))]


def chapter_blocks(progress: Progress, words: i18n.Translator | None = None) -> list[model.Block]:
    words = words or i18n.Translator()
    _ = words._
    framework_lang = None if words.language == "en" else "en"
    before, now = progress.previous_year, progress.year
    themes = progress.themes
    blocks: list[model.Block] = [
        model.Heading(chapter_title(progress, words), 1),
        _paragraph(
            _(
                "This chapter compares the levels of this return with the OPCC's accepted "
                "return for {year}. A theme moves up or down when its level changes; the "
                "criteria whose status changed are listed with each theme."
            ).format(year=before)
        ),
        model.Figure(
            charts.movement_chart(themes, before, now, words),
            title=_("Chart: level by theme, {before} and {now}").format(before=before, now=now),
            alt_text=describe(progress, words),
            caption=_(
                "Figure 2: the level of each theme in {before} and {now}. The table below gives "
                "the same information."
            ).format(before=before, now=now),
        ),
    ]
    changes = progress.criteria
    rows = []
    for theme in themes.itertuples():
        changed = changes[changes["theme"] == theme.theme]
        listed = [
            _("{id}: {before} to {now}").format(
                id=row.criterion_id, before=row.previous_status, now=row.status
            )
            for row in changed.itertuples()
        ]
        moved = movement_words(theme, words)
        rows.append(
            (
                (Text(f"{theme.theme}. {theme.theme_title}"),),
                (Text(theme.previous_level),),
                (Text(theme.level),),
                (Text(moved[:1].upper() + moved[1:]),),
                tuple(Text(line) for line in listed) or (Text(_("None")),),
            )
        )
    blocks.append(
        model.Table(
            caption=_("Movement by theme since last year"),
            description=_(
                "Per theme: the level in {before} and in {now}, the movement in words, and the "
                "criteria whose status changed."
            ).format(before=before, now=now),
            header=(_("Theme"), before, now, _("Movement"), _("Criteria that changed status")),
            rows=tuple(rows),
            widths=(4.6, 2.6, 2.6, 3.2, 4.0),
            level_column=2,
        )
    )
    challenge = progress.challenge
    if len(challenge):
        blocks += [
            model.Heading(
                _("Met in {before}, not satisfied in {now}").format(before=before, now=now), 2
            ),
            _paragraph(
                _(
                    "These criteria were Met in {before} and are not satisfied now. Each needs a "
                    "reason: what changed, or why last year's assessment no longer stands."
                ).format(before=before)
            ),
            model.Table(
                caption=_("Criteria Met in {before} and not satisfied in {now}").format(
                    before=before, now=now
                ),
                description=_(
                    "Each criterion Met in {before} and not satisfied in {now}, with its status "
                    "in both years."
                ).format(before=before, now=now),
                header=(_("ID"), _("Criterion"), before, now),
                rows=tuple(
                    (
                        (Text(row.criterion_id),),
                        (Text(row.level), Text(plain(row.text), lang=framework_lang)),
                        (Text(row.previous_status),),
                        (Text(row.status),),
                    )
                    for row in challenge.itertuples()
                ),
                widths=(1.9, 8.2, 2.9, 3.0),
            ),
        ]
    return blocks


def describe(progress: Progress, words: i18n.Translator | None = None) -> str:
    """Alt text for the chart: each theme's movement, in words."""
    words = words or i18n.Translator()
    themes = progress.themes
    parts = [
        words._("Bar chart of the level of each theme in {before} and {now}.").format(
            before=progress.previous_year, now=progress.year
        )
    ]
    parts += [
        words._("Theme {number} {title}: {movement}.").format(
            number=t.theme, title=t.theme_title, movement=movement_words(t, words)
        )
        for t in themes.itertuples()
    ]
    return " ".join(parts)
