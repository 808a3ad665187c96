"""Writing the web pages of a batch: each report as HTML beside its Word file, never over edits.

The pages come from the same content as the Word reports (`content.build_content`), written by
`html.render`. Like `files.write_reports`, rendering one page is the top-level, picklable
`render_page`, so the run spreads the pages over its process pool; and every page is written
through the folder's manifest, so an edited page is kept and the new one goes beside it
(`.new.html`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Collection, Sequence
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd

from pipeline import outputs, scoring
from pipeline.framework import Framework
from pipeline.progress import Progress
from pipeline.report import html
from pipeline.report.content import DEFAULT_APPENDIX, Appendix
from pipeline.report.files import (
    RenderJob,
    ReportOutcome,
    content_for,
    place,
    render_jobs,
)
from pipeline.returns import Return


def render_page(job: RenderJob, language: str | None = None) -> Path:
    """Build one report's page and save it to a hidden file beside its final place.

    `language`: the page's `lang` and fixed words (default: the content's own language). A
    Welsh member's page links to the page (not the Word file) in the other language."""
    if job.counterpart:
        job = dataclasses.replace(job, counterpart=html.html_name(job.counterpart))
    page = html.render(content_for(job), demo=job.demo, language=language)
    name = f"{outputs.TEMP_PREFIX}rendering-{html.html_name(job.name)}"
    path = job.out_dir / name
    return outputs.write_bytes_atomically(path, page.encode("utf-8"))


def write_html_reports(
    returns: Sequence[Return],
    scores: scoring.Scores,
    framework: Framework,
    members: pd.DataFrame,
    out_dir: Path,
    *,
    generated: dt.date,
    force: bool = False,
    executor: Executor | None = None,
    demo: bool = False,
    progress: Progress | None = None,
    appendix: Appendix = DEFAULT_APPENDIX,
    language: str | None = None,
    welsh: Collection[str] = (),
) -> list[ReportOutcome]:
    """Write a page per return into `out_dir`, never replacing one that someone has edited.

    The arguments are those of `files.write_reports`, so a run calls both the same way;
    `language` is passed to `html.render`; `welsh`: the members with a Welsh and an English
    page (`-cy.html`, `-en.html`), as their Word reports.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = render_jobs(
        returns,
        scores,
        framework,
        members,
        out_dir,
        template=None,
        generated=generated,
        demo=demo,
        progress=progress,
        appendix=appendix,
        welsh=welsh,
    )
    render = functools.partial(render_page, language=language)
    if executor is None:
        rendered = [render(job) for job in jobs]
    else:
        rendered = list(executor.map(render, jobs))
    placed = [
        (job, html.html_name(job.name), path, ()) for job, path in zip(jobs, rendered, strict=True)
    ]
    return place(out_dir, placed, force=force)
