"""The report's chart of levels by theme, and the words that describe it to those who cannot see it.

Rendered on matplotlib's Agg canvas (no pyplot, so no global figure state) at print resolution,
with the font matplotlib ships (DejaVu Sans) and no metadata, so the same levels always give the
same PNG bytes.
"""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipeline import i18n
from pipeline.framework import LEVEL_LADDER
from pipeline.layout import LEVEL_FILLS

DPI = 200
WIDTH_INCHES = 6.2
_INK = "#1A1A1A"


def levels_chart(themes: pd.DataFrame, words: i18n.Translator | None = None) -> bytes:
    """PNG bar chart of one OPCC's themes (columns theme, theme_title, level_rank), lowest first;
    its own words in the report's language (`words`), the framework's (levels, titles) as is."""
    _ = (words or i18n.Translator())._
    rows = themes.sort_values("theme")
    return _render(
        tuple(int(t) for t in rows["theme"]),
        tuple(str(t) for t in rows["theme_title"]),
        tuple(int(r) for r in rows["level_rank"]),
        _("Level reached"),
    )


@lru_cache(maxsize=64)
def _render(
    numbers: tuple[int, ...], titles: tuple[str, ...], ranks: tuple[int, ...], axis: str
) -> bytes:
    labels = [
        textwrap.fill(f"{number}. {title}", 34)
        for number, title in zip(numbers, titles, strict=True)
    ]
    style = {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "text.color": _INK,
        "axes.labelcolor": _INK,
        "xtick.color": _INK,
        "ytick.color": _INK,
        "axes.edgecolor": "#595959",
    }
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(WIDTH_INCHES, 0.36 * len(labels) + 1.4), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = range(len(labels))
        # Each bar runs from the left edge to the tick of the level reached, so a theme that is
        # not yet Developing still shows a short bar rather than nothing.
        start = -0.45
        axes.barh(
            positions,
            [rank - start for rank in ranks],
            left=start,
            height=0.62,
            color=[f"#{LEVEL_FILLS[LEVEL_LADDER[rank]]}" for rank in ranks],
            edgecolor=_INK,
            linewidth=0.6,
        )
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
        axes.set_xlim(start, len(LEVEL_LADDER) - 0.6)
        axes.set_xticks(
            range(len(LEVEL_LADDER)), [textwrap.fill(level, 10) for level in LEVEL_LADDER]
        )
        axes.set_xlabel(axis)
        axes.grid(axis="x", color="#BFBFBF", linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.legend(
            handles=[
                Patch(facecolor=f"#{LEVEL_FILLS[level]}", edgecolor=_INK, label=level)
                for level in LEVEL_LADDER
            ],
            loc="lower center",
            ncol=len(LEVEL_LADDER),
            frameon=False,
            handlelength=1.2,
            columnspacing=1.2,
        )
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def describe(themes: pd.DataFrame, words: i18n.Translator | None = None) -> str:
    """Alt text for the chart: which themes stand at which level, highest level first."""
    words = words or i18n.Translator()
    _ = words._
    rows = themes.sort_values("theme")
    parts = [
        words.ngettext(
            "Bar chart of the level reached in the {count} theme.",
            "Bar chart of the level reached in each of the {count} themes.",
            len(rows),
        ).format(count=len(rows))
    ]
    for rank in range(len(LEVEL_LADDER) - 1, -1, -1):
        level = LEVEL_LADDER[rank]
        at_level = rows[rows["level_rank"] == rank]
        if at_level.empty:
            parts.append(_("{level}: no themes.").format(level=level))
            continue
        names = "; ".join(
            f"{number} {title}"
            for number, title in zip(at_level["theme"], at_level["theme_title"], strict=True)
        )
        count = len(at_level)
        parts.append(
            words.ngettext(
                "{level} ({count} theme): {names}.", "{level} ({count} themes): {names}.", count
            ).format(level=level, count=count, names=names)
        )
    return " ".join(parts)


def movement_chart(
    themes: pd.DataFrame, before: str, now: str, words: i18n.Translator | None = None
) -> bytes:
    """PNG chart of one OPCC's level in each theme last year (grey) and this year (its level's
    colour); `themes` has columns theme, theme_title, previous_rank and level_rank."""
    _ = (words or i18n.Translator())._
    rows = themes.sort_values("theme")
    return _render_movement(
        tuple(int(t) for t in rows["theme"]),
        tuple(str(t) for t in rows["theme_title"]),
        tuple(int(r) for r in rows["previous_rank"]),
        tuple(int(r) for r in rows["level_rank"]),
        before,
        _("Level reached"),
        _("{year} (colour of the level)").format(year=now),
    )


@lru_cache(maxsize=64)
def _render_movement(
    numbers: tuple[int, ...],
    titles: tuple[str, ...],
    before_ranks: tuple[int, ...],
    ranks: tuple[int, ...],
    before: str,
    axis: str,
    now_label: str,
) -> bytes:
    labels = [
        textwrap.fill(f"{number}. {title}", 34)
        for number, title in zip(numbers, titles, strict=True)
    ]
    style = {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "text.color": _INK,
        "axes.labelcolor": _INK,
        "xtick.color": _INK,
        "ytick.color": _INK,
        "axes.edgecolor": "#595959",
    }
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(WIDTH_INCHES, 0.42 * len(labels) + 1.4), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        start, height = -0.45, 0.38
        positions = list(range(len(labels)))
        axes.barh(
            [p - height / 2 for p in positions],
            [rank - start for rank in before_ranks],
            left=start,
            height=height,
            color="#D9D9D9",
            edgecolor=_INK,
            linewidth=0.5,
            hatch="///",
        )
        axes.barh(
            [p + height / 2 for p in positions],
            [rank - start for rank in ranks],
            left=start,
            height=height,
            color=[f"#{LEVEL_FILLS[LEVEL_LADDER[rank]]}" for rank in ranks],
            edgecolor=_INK,
            linewidth=0.6,
        )
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.set_xlim(start, len(LEVEL_LADDER) - 0.6)
        axes.set_xticks(
            range(len(LEVEL_LADDER)), [textwrap.fill(level, 10) for level in LEVEL_LADDER]
        )
        axes.set_xlabel(axis)
        axes.grid(axis="x", color="#BFBFBF", linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.legend(
            handles=[
                Patch(facecolor="#D9D9D9", edgecolor=_INK, hatch="///", label=before),
                Patch(facecolor="#FFFFFF", edgecolor=_INK, label=now_label),
            ],
            loc="lower center",
            ncol=2,
            frameon=False,
        )
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
