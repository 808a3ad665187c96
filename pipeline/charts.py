"""The report's chart of levels by theme, and the words that describe it to those who cannot see it.

The fixed parts of a chart (labels, axes, grid, legend) are laid out and drawn once per set of
themes on matplotlib's Agg canvas (no pyplot, so no global figure state) at print resolution, with
the font matplotlib ships (DejaVu Sans); each OPCC's chart is that picture with its bars drawn in
by Pillow, written as a PNG with no metadata, so the same levels always give the same bytes and a
chart costs a few hundredths of a second rather than a quarter of one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from pipeline import i18n
from pipeline.vocabulary import LEVEL_FILLS, LEVEL_LADDER

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


def _render(
    numbers: tuple[int, ...], titles: tuple[str, ...], ranks: tuple[int, ...], axis: str
) -> bytes:
    frame = _levels_frame(numbers, titles, axis)
    image = frame.background.copy()
    draw = ImageDraw.Draw(image)
    for row, rank in enumerate(ranks):
        colour = f"#{LEVEL_FILLS[LEVEL_LADDER[rank]]}"
        _bar(draw, frame, frame.rows[row], rank, colour)
    frame.redraw_spine(draw)
    return _png(image)


@dataclass(frozen=True)
class _Frame:
    """A chart's fixed parts (labels, axes, grid, legend) drawn once, and where its bars go.

    Bars are the only part that changes from one OPCC to the next, so matplotlib lays out and
    draws everything else once per set of themes, and each chart is that picture with its
    rectangles filled in.
    """

    background: Image.Image
    #: (top, bottom) pixel rows of each bar, top of the picture = 0.
    rows: tuple[tuple[int, int], ...]
    #: Pixel column of each x value: x0 + x * per_unit.
    x0: float
    per_unit: float
    #: The left spine, drawn again over the bars as matplotlib draws it: (x, top, bottom, width).
    spine: tuple[int, int, int, int]
    edge: int

    def x(self, value: float) -> int:
        return round(self.x0 + value * self.per_unit)

    def redraw_spine(self, draw: ImageDraw.ImageDraw) -> None:
        x, top, bottom, width = self.spine
        draw.rectangle((x - width // 2, top, x - width // 2 + width - 1, bottom), fill=_SPINE)


def _bar(draw, frame: _Frame, row: tuple[int, int], rank: int, colour: str, hatch=False) -> None:
    top, bottom = row
    left, right = frame.x(_START), frame.x(rank)
    draw.rectangle((left, top, right, bottom), fill=colour, outline=_INK, width=frame.edge)
    if hatch:
        _hatch(draw, (left, top, right, bottom), frame.edge)


def _hatch(draw, box: tuple[int, int, int, int], edge: int) -> None:
    """Diagonal lines (///) inside a box, as matplotlib's hatch marks a bar."""
    left, top, right, bottom = box
    inner = (left + edge, top + edge, right - edge, bottom - edge)
    spacing = round(DPI / 12)  # as matplotlib spaces '///'
    height = inner[3] - inner[1]
    for start in range(inner[0] - height, inner[2] + 1, spacing):
        points = _clip_diagonal(start, inner)
        if points:
            draw.line(points, fill=_INK, width=round(DPI / 72))


def _clip_diagonal(start: int, box: tuple[int, int, int, int]):
    """The part of the line x = start + (bottom - y) that lies in box, or None."""
    left, top, right, bottom = box
    height = bottom - top
    x_bottom, x_top = start, start + height
    lo, hi = max(left, x_bottom), min(right, x_top)
    if lo >= hi:
        return None
    return [(lo, bottom - (lo - x_bottom)), (hi, bottom - (hi - x_bottom))]


def _indexed(image: Image.Image) -> Image.Image:
    """The picture as a palette image of exactly its own colours and the bars' (a chart has a
    few hundred at most), so that each chart's PNG is written in a fraction of the time and is
    less than half the size, pixel for pixel the same; a picture of more colours stays RGB."""
    found = image.getcolors(256)
    if found is None:
        return image
    drawn = (*(f"#{fill}" for fill in LEVEL_FILLS.values()), _INK, _SPINE, _PREVIOUS)
    colours = {(red << 16) | (green << 8) | blue for _, (red, green, blue) in found}
    palette = sorted(colours | {int(colour[1:], 16) for colour in drawn})
    if len(palette) > 256:
        return image
    keys = np.array(palette, dtype=np.uint32)
    pixels = np.asarray(image)
    index = np.empty(pixels.shape[:2], dtype=np.uint8)
    for top in range(0, len(index), 128):  # a band at a time: a few hundred kB, not 30 MB
        band = pixels[top : top + 128].astype(np.uint32)
        index[top : top + 128] = np.searchsorted(
            keys, (band[..., 0] << 16) | (band[..., 1] << 8) | band[..., 2]
        )
    indexed = Image.fromarray(index, "P")
    indexed.putpalette(
        [part for colour in palette for part in (colour >> 16, (colour >> 8) & 255, colour & 255)]
    )
    return indexed


def _png(image: Image.Image) -> bytes:
    """The picture as PNG, deflated at level 3: twice as quick to write as the default (6),
    for an eighth more bytes, in a report written for every member."""
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=3)
    return buffer.getvalue()


_START = -0.45
_SPINE = "#595959"
#: Last year's bars in the movement chart.
_PREVIOUS = "#D9D9D9"
_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.color": _INK,
    "axes.labelcolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "axes.edgecolor": _SPINE,
}


def _labels(numbers: tuple[int, ...], titles: tuple[str, ...]) -> list[str]:
    return [
        textwrap.fill(f"{number}. {title}", 34)
        for number, title in zip(numbers, titles, strict=True)
    ]


def _draw_frame(
    figure: Figure,
    axes,
    centres: list[float],
    height: float,
    legend: list,
    axis: str,
    **legend_style,
) -> _Frame:
    """Lay out and draw a figure whose bars are left out, and measure where they would go."""
    # Invisible bars, so that the axes take the same limits as around the drawn ones.
    for patch in axes.barh(centres, [len(LEVEL_LADDER)] * len(centres), height=height):
        patch.set_visible(False)
    axes.invert_yaxis()
    axes.set_xlim(_START, len(LEVEL_LADDER) - 0.6)
    axes.set_xticks(range(len(LEVEL_LADDER)), [textwrap.fill(level, 10) for level in LEVEL_LADDER])
    axes.set_xlabel(axis)
    axes.grid(axis="x", color="#BFBFBF", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.legend(
        handles=legend,
        loc="lower center",
        ncol=len(legend),
        frameon=False,
        **legend_style,
    )
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    canvas = figure.canvas
    canvas.draw()
    background = Image.frombuffer(
        "RGBA", canvas.get_width_height(), bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1
    ).convert("RGB")  # the figure is opaque: no alpha to store
    pixel_height = background.height
    to_pixels = axes.transData.transform
    rows = []
    for centre in centres:
        (_, y_top), (_, y_bottom) = to_pixels([(0, centre - height / 2), (0, centre + height / 2)])
        rows.append(
            (round(pixel_height - max(y_top, y_bottom)), round(pixel_height - min(y_top, y_bottom)))
        )
    (x_zero, _), (x_one, _) = to_pixels([(0, 0), (1, 0)])
    box = axes.get_window_extent()
    spine_width = max(1, round(axes.spines["left"].get_linewidth() * DPI / 72))
    return _Frame(
        background=_indexed(background),
        rows=tuple(rows),
        x0=x_zero,
        per_unit=x_one - x_zero,
        spine=(
            round(box.x0),
            round(pixel_height - box.y1),
            round(pixel_height - box.y0),
            spine_width,
        ),
        edge=max(1, round(0.6 * DPI / 72)),
    )


@lru_cache(maxsize=8)
def _levels_frame(numbers: tuple[int, ...], titles: tuple[str, ...], axis: str) -> _Frame:
    return _stored("levels", [numbers, titles, axis], lambda: _draw_levels(numbers, titles, axis))


def _draw_levels(numbers: tuple[int, ...], titles: tuple[str, ...], axis: str) -> _Frame:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    labels = _labels(numbers, titles)
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH_INCHES, 0.36 * len(labels) + 1.4), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        axes.set_yticks(positions, labels)
        legend = [
            Patch(facecolor=f"#{LEVEL_FILLS[level]}", edgecolor=_INK, label=level)
            for level in LEVEL_LADDER
        ]
        return _draw_frame(
            figure, axes, positions, 0.62, legend, axis, handlelength=1.2, columnspacing=1.2
        )


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


def _render_movement(
    numbers: tuple[int, ...],
    titles: tuple[str, ...],
    before_ranks: tuple[int, ...],
    ranks: tuple[int, ...],
    before: str,
    axis: str,
    now_label: str,
) -> bytes:
    frame = _movement_frame(numbers, titles, before, axis, now_label)
    image = frame.background.copy()
    draw = ImageDraw.Draw(image)
    for row, (was, rank) in enumerate(zip(before_ranks, ranks, strict=True)):
        _bar(draw, frame, frame.rows[2 * row], was, _PREVIOUS, hatch=True)
        _bar(draw, frame, frame.rows[2 * row + 1], rank, f"#{LEVEL_FILLS[LEVEL_LADDER[rank]]}")
    frame.redraw_spine(draw)
    return _png(image)


@lru_cache(maxsize=8)
def _movement_frame(
    numbers: tuple[int, ...], titles: tuple[str, ...], before: str, axis: str, now_label: str
) -> _Frame:
    return _stored(
        "movement",
        [numbers, titles, before, axis, now_label],
        lambda: _draw_movement(numbers, titles, before, axis, now_label),
    )


def _draw_movement(
    numbers: tuple[int, ...], titles: tuple[str, ...], before: str, axis: str, now_label: str
) -> _Frame:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    labels = _labels(numbers, titles)
    height = 0.38
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH_INCHES, 0.42 * len(labels) + 1.4), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        axes.set_yticks(positions, labels)
        legend = [
            Patch(facecolor=_PREVIOUS, edgecolor=_INK, hatch="///", label=before),
            Patch(facecolor="#FFFFFF", edgecolor=_INK, label=now_label),
        ]
        centres = [c for p in positions for c in (p - height / 2, p + height / 2)]
        return _draw_frame(figure, axes, centres, height, legend, axis)


# --- the frames kept on disk -------------------------------------------------------------------

#: Where drawn frames are kept between runs; empty: keep none (every process draws its own).
CACHE_VARIABLE = "EQUALITY_CACHE_DIR"


def cache_folder() -> Path | None:
    """The folder the chart frames are kept in: $EQUALITY_CACHE_DIR/charts, else the user's
    cache folder ($XDG_CACHE_HOME or ~/.cache)/equality/charts; None when the variable is set
    empty."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        return Path(chosen) / "charts" if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "equality" / "charts"


def _stored(kind: str, parts: list, draw: Callable[[], _Frame]) -> _Frame:
    """The frame `draw` makes, kept on disk after the first time, so that a run does not start
    matplotlib (about a second to import, half a second a frame) to draw what an earlier one
    drew. Kept as a PNG and its geometry in JSON, never a pickle: a file in the cache folder can
    only ever be a picture. A file that cannot be read is drawn again; one that cannot be
    written is left unwritten."""
    folder = cache_folder()
    if folder is None:
        return draw()
    key = json.dumps([kind, parts, DPI, WIDTH_INCHES, _STYLE, _versions()], ensure_ascii=True)
    name = f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    found = _read_frame(folder, name, key)
    if found is not None:
        return found
    frame = draw()
    _write_frame(folder, name, key, frame)
    return frame


@lru_cache(maxsize=1)
def _versions() -> list[str]:
    """What draws the frames: matplotlib's and Pillow's versions (read without importing
    matplotlib) and this module's own code, so that a changed drawing is never taken from an
    earlier one's files."""
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return [metadata.version("matplotlib"), metadata.version("pillow"), code]


def _read_frame(folder: Path, name: str, key: str) -> _Frame | None:
    try:
        about = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if about["key"] != key:
            return None
        with Image.open(folder / f"{name}.png", formats=["PNG"]) as stored:
            stored.load()
            if stored.mode != about["mode"] or list(stored.size) != about["size"]:
                return None
            if stored.mode == "P":  # built as `_indexed` builds it, so it draws the same
                background = Image.frombytes("P", stored.size, stored.tobytes())
                background.putpalette(about["palette"])
            else:
                background = stored.convert("RGB")
        return _Frame(
            background=background,
            rows=tuple((int(top), int(bottom)) for top, bottom in about["rows"]),
            x0=float(about["x0"]),
            per_unit=float(about["per_unit"]),
            spine=tuple(int(v) for v in about["spine"]),
            edge=int(about["edge"]),
        )
    except Exception:  # missing, half written, damaged, another version's: draw it again
        return None


def _write_frame(folder: Path, name: str, key: str, frame: _Frame) -> None:
    """The picture, then its geometry (which names the picture's key): a reader that finds the
    geometry finds the whole picture, whichever process wrote it."""
    image = frame.background
    about = {
        "key": key,
        "mode": image.mode,
        "size": list(image.size),
        "palette": image.getpalette() if image.mode == "P" else None,
        "rows": [list(row) for row in frame.rows],
        "x0": frame.x0,
        "per_unit": frame.per_unit,
        "spine": list(frame.spine),
        "edge": frame.edge,
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _replace(folder / f"{name}.png", _png(image))
        _replace(folder / f"{name}.json", json.dumps(about).encode("utf-8"))
    except OSError:
        pass  # a cache that cannot be written is no cache: the chart is drawn next time


def _replace(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
