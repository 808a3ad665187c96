"""The charts' fixed parts, kept on disk between runs: the same bytes as drawn afresh, never
trusted when damaged, and matplotlib left unimported when they are there."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from pipeline import charts, framework, i18n


@pytest.fixture
def themes() -> pd.DataFrame:
    themes = framework.load().themes
    return pd.DataFrame(
        {
            "theme": [t.number for t in themes],
            "theme_title": [t.title for t in themes],
            "level_rank": [n % 4 for n in range(len(themes))],
            "previous_rank": [(n + 1) % 4 for n in range(len(themes))],
        }
    )


def every_chart(themes: pd.DataFrame) -> list[bytes]:
    """A levels chart in English and in Welsh and a movement chart, each from a frame made in
    this call (the process keeps frames too: those are cleared first)."""
    for kept in (charts._levels_frame, charts._movement_frame):
        kept.cache_clear()
    return [
        charts.levels_chart(themes),
        charts.levels_chart(themes, i18n.translator("cy")),
        charts.movement_chart(themes, "2024-25", "2025-26"),
    ]


def test_a_kept_frame_gives_the_bytes_of_a_fresh_drawing(themes, tmp_path, monkeypatch):
    monkeypatch.setenv(charts.CACHE_VARIABLE, "")
    drawn = every_chart(themes)
    monkeypatch.setenv(charts.CACHE_VARIABLE, str(tmp_path))
    first = every_chart(themes)  # drawn, then kept
    kept = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert len(kept) == 6 and {p.rsplit(".", 1)[1] for p in kept} == {"json", "png"}
    again = every_chart(themes)  # from the files
    assert first == drawn and again == drawn


def test_a_damaged_or_foreign_frame_is_drawn_again_and_replaced(themes, tmp_path, monkeypatch):
    monkeypatch.setenv(charts.CACHE_VARIABLE, str(tmp_path))
    drawn = every_chart(themes)
    folder = tmp_path / "charts"
    pictures = sorted(folder.glob("*.png"))
    pictures[0].write_bytes(pictures[0].read_bytes()[:200])  # cut short
    pictures[1].write_bytes(b"<script>not a picture</script>")
    notes = sorted(folder.glob("*.json"))
    notes[2].write_text(notes[2].read_text().replace('"key": "[', '"key": "[9, '))  # another key
    assert every_chart(themes) == drawn
    assert every_chart(themes) == drawn  # and what was damaged has been written again
    assert pictures[0].read_bytes().startswith(b"\x89PNG") and len(pictures[0].read_bytes()) > 200


def test_an_empty_setting_keeps_nothing_and_an_unwritable_folder_is_no_failure(
    themes, tmp_path, monkeypatch
):
    monkeypatch.setenv(charts.CACHE_VARIABLE, "")
    assert charts.cache_folder() is None
    drawn = every_chart(themes)
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv(charts.CACHE_VARIABLE, str(blocked))
    assert every_chart(themes) == drawn


def test_without_the_setting_frames_go_to_the_users_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(charts.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert charts.cache_folder() == tmp_path / "equality" / "charts"


def test_with_frames_kept_a_run_never_imports_matplotlib(themes, tmp_path, monkeypatch):
    monkeypatch.setenv(charts.CACHE_VARIABLE, str(tmp_path))
    every_chart(themes)
    script = (
        "import sys\n"
        "import pandas as pd\n"
        "from pipeline import charts, framework, i18n, run\n"
        "assert 'matplotlib' not in sys.modules, 'imported with the pipeline'\n"
        "themes = framework.load().themes\n"
        "frame = pd.DataFrame({'theme': [t.number for t in themes],\n"
        "    'theme_title': [t.title for t in themes], 'level_rank': [1] * len(themes)})\n"
        "charts.levels_chart(frame)\n"
        "charts.levels_chart(frame, i18n.translator('cy'))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False", done.stderr
