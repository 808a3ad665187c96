"""Writing the web pages of a batch: each report as HTML beside its Word file, never over edits.

The pages come from the same content as the Word reports (`content.build_content`), written by
`html.render`. Like `files.write_reports`, rendering one page is the top-level, picklable
`render_page`, so the run spreads the pages over its process pool; and every page is written
through the folder's manifest, so an edited page is kept and the new one goes beside it
(`.new.html`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd

from pipeline import manifest, marks, outputs, scoring
from pipeline.framework import Framework
from pipeline.progress import Progress
from pipeline.report import html
from pipeline.report.content import DEFAULT_APPENDIX, Appendix
from pipeline.report.files import (
    RenderJob,
    ReportOutcome,
    content_for,
    render_jobs,
    report_name,
)
from pipeline.returns import Return


def page_name(code: str, year: str, *, demo: bool = False) -> str:
    """`<code>-equality-report-<year>.html` (`-DEMO.html` for a demo run)."""
    name = html.html_name(report_name(code, year))
    return marks.demo_name(name) if demo else name


def render_page(job: RenderJob, language: str | None = None) -> Path:
    """Build one report's page and save it to a hidden file beside its final place.

    `language`: the page's `lang` and fixed words (default: the content's own language)."""
    page = html.render(content_for(job), demo=job.demo, language=language)
    name = f"{outputs.TEMP_PREFIX}rendering-{job.ret.opcc_code}-{job.ret.reporting_year}.html"
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
) -> list[ReportOutcome]:
    """Write a page per return into `out_dir`, never replacing one that someone has edited.

    The arguments are those of `files.write_reports`, so a run calls both the same way;
    `language` is passed to `html.render`.
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
    )
    render = functools.partial(render_page, language=language)
    if executor is None:
        rendered = [render(job) for job in jobs]
    else:
        rendered = list(executor.map(render, jobs))
    records = manifest.Manifest.load(out_dir)
    outcomes: list[ReportOutcome] = []
    try:
        for job, path in zip(jobs, rendered, strict=True):
            outcome = records.write(
                page_name(job.ret.opcc_code, job.ret.reporting_year, demo=demo),
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
