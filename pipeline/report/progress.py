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

AT_A_GLANCE = "At a glance"
GLANCE_HEADING = "Since last year"
MOVEMENT_CAPTION = "Movement by theme since last year"


def chapter_title(progress: Progress) -> str:
    return f"Progress since {progress.previous_year}"


def insert(
    document: model.Document, progress: Progress, words: i18n.Translator | None = None
) -> model.Document:
    """`document` with the since-last-year summary at the end of its at-a-glance chapter and
    the progress chapter after it (or before the last chapter, if there is no at-a-glance)."""
    blocks = list(document.blocks)
    chapters = [i for i, b in enumerate(blocks) if isinstance(b, model.Heading) and b.level == 1]
    glance = next((i for i in chapters if blocks[i].text == AT_A_GLANCE), None)
    later = [i for i in chapters if glance is not None and i > glance]
    at = later[0] if later else (chapters[-1] if chapters else len(blocks))
    added = [*glance_blocks(progress), *chapter_blocks(progress)]
    return dataclasses.replace(document, blocks=tuple(blocks[:at] + added + blocks[at:]))


def _paragraph(words: str) -> model.Paragraph:
    return model.Paragraph((Text(plain(words)),))


def _named(rows: pd.DataFrame) -> str:
    return "; ".join(
        f"theme {row.theme} ({row.theme_title}), {row.in_words}" for row in rows.itertuples()
    )


def glance_blocks(progress: Progress) -> list[model.Block]:
    """The at-a-glance summary: how many themes moved each way, which, and what to look at."""
    themes = progress.themes
    up, down = themes[themes["movement"] == UP], themes[themes["movement"] == DOWN]
    same = int((themes["movement"] == SAME).sum())
    parts = [
        f"Since {progress.previous_year}, {_count(len(up))} moved up, {_count(len(down))} "
        f"moved down and {_count(same)} stayed at the same level."
    ]
    if len(up):
        parts.append(f"Up: {_named(up)}.")
    if len(down):
        parts.append(f"Down: {_named(down)}.")
    challenge = len(progress.challenge)
    if challenge:
        parts.append(
            f"{_criteria(challenge)} Met in {progress.previous_year} "
            f"{'is' if challenge == 1 else 'are'} not satisfied now (see "
            f"{chapter_title(progress)})."
        )
    return [model.Heading(GLANCE_HEADING, 2), _paragraph(" ".join(parts))]


def chapter_blocks(progress: Progress) -> list[model.Block]:
    before, now = progress.previous_year, progress.year
    themes = progress.themes
    blocks: list[model.Block] = [
        model.Heading(chapter_title(progress), 1),
        _paragraph(
            f"This chapter compares the levels of this return with the OPCC's accepted return "
            f"for {before}. A theme moves up or down when its level changes; the criteria whose "
            "status changed are listed with each theme."
        ),
        model.Figure(
            charts.movement_chart(themes, before, now),
            title=f"Chart: level by theme, {before} and {now}",
            alt_text=describe(progress),
            caption=f"Figure 2: the level of each theme in {before} and {now}. The table below "
            "gives the same information.",
        ),
    ]
    changes = progress.criteria
    rows = []
    for theme in themes.itertuples():
        changed = changes[changes["theme"] == theme.theme]
        listed = [
            f"{row.criterion_id}: {row.previous_status} to {row.status}"
            for row in changed.itertuples()
        ]
        rows.append(
            (
                (Text(f"{theme.theme}. {theme.theme_title}"),),
                (Text(theme.previous_level),),
                (Text(theme.level),),
                (Text(theme.in_words[:1].upper() + theme.in_words[1:]),),
                tuple(Text(line) for line in listed) or (Text("None"),),
            )
        )
    blocks.append(
        model.Table(
            caption=MOVEMENT_CAPTION,
            description=f"Per theme: the level in {before} and in {now}, the movement in "
            "words, and the criteria whose status changed.",
            header=("Theme", before, now, "Movement", "Criteria that changed status"),
            rows=tuple(rows),
            widths=(4.6, 2.6, 2.6, 3.2, 4.0),
            level_column=2,
        )
    )
    challenge = progress.challenge
    if len(challenge):
        blocks += [
            model.Heading(f"Met in {before}, not satisfied in {now}", 2),
            _paragraph(
                f"These criteria were Met in {before} and are not satisfied now. Each needs a "
                "reason: what changed, or why last year's assessment no longer stands."
            ),
            model.Table(
                caption=f"Criteria Met in {before} and not satisfied in {now}",
                description=f"Each criterion Met in {before} and not satisfied in {now}, with "
                "its status in both years.",
                header=("ID", "Criterion", before, now),
                rows=tuple(
                    (
                        (Text(row.criterion_id),),
                        (Text(row.level), Text(plain(row.text))),
                        (Text(row.previous_status),),
                        (Text(row.status),),
                    )
                    for row in challenge.itertuples()
                ),
                widths=(1.9, 8.2, 2.9, 3.0),
            ),
        ]
    return blocks


def describe(progress: Progress) -> str:
    """Alt text for the chart: each theme's movement, in words."""
    themes = progress.themes
    parts = [
        f"Bar chart of the level of each of the {len(themes)} themes in "
        f"{progress.previous_year} and {progress.year}."
    ]
    parts += [f"Theme {t.theme} {t.theme_title}: {t.in_words}." for t in themes.itertuples()]
    return " ".join(parts)


def _count(count: int) -> str:
    return f"{count} theme{'' if count == 1 else 's'}"


def _criteria(count: int) -> str:
    return f"{count} criterion" if count == 1 else f"{count} criteria"
